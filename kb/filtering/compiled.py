"""A list's page query compiled once per shape; each request binds its own values.

The API's lists (kb/api/views.py: values() rows for a projection) and the
site's list pages (model instances, as their rows are written) both use it.

Building a page's query (the FilterSet's filters, the list's order, the
projection's values()) and compiling it to SQL cost more than the SQL
itself: 0.4 ms of the 1.6 ms a JSON list took in process (page 1 of the
organisations at scale 100). Yet the SQL text depends on which filters a
request uses and on few of their values (a region's countries, a kind), not
on most of them (which organisation, which dates, where a cursor points):
those end up as parameters.

A *shape* is everything the SQL text depends on: the type, the database, the
language, each filter given, with its value when that comes from a fixed
list (kinds, countries, regions, years, the ordering) or else the number of
its values (slugs, dates), which words of a search (`q`) are long enough for
the search index, and how the page is reached (by number, or after or
before a cursor's position, with which of its keys are null). The first
request of a shape builds its query through the very code every request
used (the FilterSet, the list's order, the projection's values() or the
page's queryset of instances, the keyset's conditions), with sentinels in
place of the free values; compiles it; and notes where each sentinel landed
among the parameters. Later requests of that shape put their own values there
and run the SQL as is,
converting the rows with the ORM's own converters (and, for instances,
building them and running the queryset's prefetches as its iterable does).
A search's words are free values (each one's LIKE pattern a parameter); on
SQLite the rows the search index finds for them are written into the SQL as
each request runs it (search.fill_deferred, the text search.Candidates
writes): a search compiled saves 1.2 of the 5.5 ms a request of "cyber
academy" took in process at scale 100.

A shape is refused, and its requests build their query as before, when its
SQL could depend on a value other than as a parameter:
- a filter whose value is neither from a fixed list, slugs, dates nor a
  search's words;
- a sentinel missing from the parameters, or changed on its way there (other
  than into the pattern of a `contains` lookup, as a search's words are);
- a query to the database while building (a filter that looked something up
  would have looked up the sentinel, and written the answer into the SQL).
Shapes are kept per process, at most MAX_SHAPES of them, the oldest dropped.
On SQLite a page whose filters keep few rows (its count, which the paginator
reads first, says) runs its plan's SQL with the status test unindexed, read
through a filter's own index and sorted rather than walking the order's
(planning.sorted_by_key).
tests/api/test_compiled.py and tests/site/test_compiled_pages.py hold both
paths to the same answers, byte for byte, on the seed data and on random data
and filters, on both databases. A request's shape and its sentinels are in
shapes.py, the converters in converters.py.
"""

import contextlib
import copy
import datetime
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import prefetch_related_objects
from django.db.models.query import ModelIterable, get_related_populators

from ..db import counts, planning, search
from .converters import faster, unconverted
from .shapes import SENTINEL_MARK, Refused, Values, filter_shape

MAX_SHAPES = 512


def _refuse_queries(execute, sql, params, many, context):
    raise Refused("a query while building the shape")


@dataclass
class Plan:
    """One shape's compiled SELECT: its parameters (constants, or keys of the request's
    values and how each is adapted), the row dicts' names and the ORM's converters."""

    sql: str
    params: list  # (key or None, constant or adapter)
    names: list
    converters: list
    keyset: object | None  # the list's Keyset, for cursor pages (the API's)

    def with_sql(self, sql):
        """This plan reading `sql`: the same parameters, in the same places."""
        plan = copy.copy(self)
        plan.sql = sql
        return plan

    def bind(self, real, connection):
        params = []
        for key, item in self.params:
            if key is None:
                params.append(item)
            else:
                value = real[key]
                params.append(value if item is None else item(connection, value))
        return params

    def fetch(self, connection, real, limit, offset=0, found=None):
        """The SQL's rows for the request's values (and rows the search index `found`),
        each column converted as the ORM does."""
        sql = self.sql
        if found is not None:
            sql = search.fill_deferred(sql, connection, found, int(limit))
        sql = f"{sql} LIMIT {int(limit)}"
        if offset:
            sql += f" OFFSET {int(offset)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, self.bind(real, connection))
            fetched = cursor.fetchall()
        if not self.converters:
            return fetched
        rows = []
        for row in fetched:
            row = list(row)
            for pos, convs, expression in self.converters:
                value = row[pos]
                for convert in convs:
                    value = convert(value, expression, connection)
                row[pos] = value
            rows.append(row)
        return rows

    def rows(self, connection, real, limit, offset=0, found=None):
        """The rows of this shape for the request's values, as values() dicts."""
        names = self.names
        return [
            dict(zip(names, row, strict=True))
            for row in self.fetch(connection, real, limit, offset, found)
        ]


def _adapt_datetime(connection, value):
    return connection.ops.adapt_datetimefield_value(value)


def _adapt_date(connection, value):
    return connection.ops.adapt_datefield_value(value)


# How the ORM hands a value of each kind to the driver, as DateField and DateTimeField do.
ADAPTERS = ((datetime.datetime, _adapt_datetime), (datetime.date, _adapt_date))


def _contains_pattern(connection, value):
    # As the ORM's `contains` lookup writes its pattern (PatternLookup): search's words.
    return f"%{connection.ops.prep_for_like_query(value)}%"


def compile_plan(queryset, values, connection, raw=()):
    """`queryset` (built with `values.fake`) as a Plan; Refused if a sentinel went astray.

    The columns named in `raw` that are SQLite's dates or UTC date-times are read as the
    driver gives them, without the ORM's converters (converters.unconverted)."""
    query = queryset.query
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        raise Refused("matches nothing") from None
    found = {}  # each form a sentinel may take among the parameters -> (key, adapter)
    texts = [SENTINEL_MARK]  # and the text of each, which must appear nowhere else
    for key, fake in values.fake.items():
        found[(type(fake), fake)] = (key, None)
        for kind, adapt in ADAPTERS:
            if isinstance(fake, kind):
                adapted = adapt(connection, fake)
                found[(type(adapted), adapted)] = (key, adapt)
                texts += [str(adapted), fake.isoformat()]
                break
        else:
            texts.append(str(fake))
            if isinstance(fake, str):
                found[(str, _contains_pattern(connection, fake))] = (key, _contains_pattern)
    bound, used = [], set()
    for param in params:
        try:
            hit = found.get((type(param), param))
        except TypeError:  # a list or a dict: a sentinel inside could not be bound
            raise Refused("a parameter of no simple kind") from None
        if hit is not None:
            bound.append(hit)
            used.add(hit[0])
        elif isinstance(param, str) and any(text in param for text in texts):
            raise Refused("a sentinel changed on its way to the parameters")
        else:
            bound.append((None, param))
    if not values.needed(used):
        raise Refused("a sentinel missing from the parameters")
    if any(text in sql for text in texts):
        raise Refused("a sentinel written into the SQL")
    if query.selected:
        names = list(query.selected)
    else:
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = []
    for pos, (convs, expression) in compiler.get_converters(fields).items():
        if raw and names[pos] in raw and unconverted(convs, connection):
            continue  # the projection reads the driver's value
        converters.append((pos, [faster(convert) for convert in convs], expression))
    if queryset._iterable_class is ModelIterable:
        return InstancePlan(sql, bound, names, converters, None, queryset, compiler)
    return Plan(sql, bound, names, converters, None)


class InstancePlan(Plan):
    """A Plan whose rows are model instances, made as the queryset's ModelIterable makes
    them (the selected fields, select_related()'s records, annotations), with its
    prefetches and its own finishing (`finish_rows()`, such as citations) run after.

    On a page of 25 organisations, building and compiling the queryset took 0.4
    of the 1.05 ms its rows cost, against 0.14 for the SQL.
    """

    def __init__(self, sql, params, names, converters, keyset, queryset, compiler):
        super().__init__(sql, params, names, converters, keyset)
        if queryset._known_related_objects or queryset._fields:
            raise Refused("instances with known related objects or a field list")
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, compiler.select, queryset.db)
        self.annotations = list(compiler.annotation_col_map.items())
        self.prefetch = tuple(queryset._prefetch_related_lookups)
        # Bound to the queryset built with sentinels: it reads its options, not its values.
        self.finish = getattr(queryset, "finish_rows", None)

    def rows(self, connection, real, limit, offset=0, found=None):
        alias, model, start, end = connection.alias, self.model, self.start, self.end
        objects = []
        for row in self.fetch(connection, real, limit, offset, found):
            obj = model.from_db(alias, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, pos in self.annotations:
                setattr(obj, name, row[pos])
            objects.append(obj)
        if self.prefetch and objects:
            prefetch_related_objects(objects, *self.prefetch)
        if self.finish is not None:
            self.finish(objects)
        return objects


class Shapes:
    """Plans by shape, per process: at most MAX_SHAPES, the least recently used dropped.
    A refused shape is kept as None, so it is not built again."""

    def __init__(self, size=MAX_SHAPES):
        self.size = size
        self.plans = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, build):
        with self.lock:
            if key in self.plans:
                self.plans.move_to_end(key)
                return self.plans[key]
        try:
            plan = build()
        except Refused:
            plan = None
        with self.lock:
            self.plans[key] = plan
            self.plans.move_to_end(key)
            while len(self.plans) > self.size:
                self.plans.popitem(last=False)
        return plan

    def clear(self):
        with self.lock:
            self.plans.clear()


SHAPES = Shapes()


def _forget(**kwargs):
    # A test's changed setting (the database, languages) may change the SQL.
    SHAPES.clear()


setting_changed.connect(_forget)


class CompiledList:
    """A filtered list's rows through plans: what the paginator asks of a queryset (a slice,
    a cached count) and what a cursor page asks (`seek`), without building the query.

    `listing()` makes one, or None when its shape is refused.
    """

    ordered = True  # for Django's Paginator: the plans' SQL ends in a unique key

    def __init__(self, key, filterset, order, projection=None, keyset=None):
        self.key, self.filterset, self.order = key, filterset, order
        self.projection, self.keyset_class = projection, keyset
        self.values = Values()
        self.shape, self.cleaned = filter_shape(filterset, self.values)
        # As a queryset's: Django's list views name the context by the model.
        self.model, self.alias = filterset.queryset.model, filterset.queryset.db
        self.connection = connections[self.alias]
        self.plan = SHAPES.get((*key, self.alias, self.shape, "page"), self._build_page)
        self.keyset = None if self.plan is None else self.plan.keyset
        self.counted = None  # the rows' count, once the paginator has asked for it

    def _queryset(self, cleaned):
        """The list's ordered queryset from the FilterSet's filters, given `cleaned`."""
        if not self.filterset.is_bound:
            return self.order(self.filterset.queryset.all())  # as FilterSet.qs: no filter
        form = self.filterset.form
        saved = form.cleaned_data
        form.cleaned_data = cleaned
        try:
            return self.order(self.filterset.filter_queryset(self.filterset.queryset.all()))
        finally:
            form.cleaned_data = saved

    def _selected(self, queryset):
        """What the rows are read from: the projection's values(), or the instances."""
        return queryset if self.projection is None else self.projection.values(queryset)

    def _raw(self, queryset):
        """The columns the projection reads as the driver gives them (Projection.unconverted),
        but the order's keys: a cursor holds those as the ORM reads them."""
        names = getattr(self.projection, "unconverted", ())
        order = queryset.query.order_by
        if not names or not all(isinstance(item, str) for item in order):
            return ()
        keys = {item.lstrip("-") for item in order}
        return tuple(name for name in names if name not in keys)

    def _compile(self, queryset):
        selected = self._selected(queryset)
        return compile_plan(selected, self.values, self.connection, self._raw(queryset))

    def _build_page(self):
        with self.connection.execute_wrapper(_refuse_queries):
            queryset = self._queryset(self.cleaned)
            plan = self._compile(queryset)
        plan.keyset = None
        if self.keyset_class is not None:
            with contextlib.suppress(ValueError):  # an order no keyset can page
                plan.keyset = self.keyset_class(queryset)
        return plan

    def __getitem__(self, item):
        start, stop = item.start or 0, item.stop
        if stop is not None and stop <= start:
            return []  # as a queryset's empty slice: no query
        values, connection = self.values, self.connection
        found = values.found(connection)
        plan = self._as_counted(self.plan, stop, "page")
        return plan.rows(connection, values.real, stop - start, start, found)

    def _as_counted(self, plan, page, *kind):
        """`plan` for `page` rows (the offset's included), as the rows' count says it is
        best read (planning.sorted_by_key()).

        A search chooses its own way (search.fill_deferred); rows read before their
        count (the paginator and the cursor pages ask for it first) keep the walk.
        """
        if self.connection.vendor != "sqlite":
            return plan  # PostgreSQL's statistics choose
        if self.counted is None or self.values.searched is not None:
            return plan
        table = self.model._meta.db_table
        rows = search.table_rows(self.connection, table)
        sql = planning.sorted_by_key(plan.sql, table, self.connection, self.counted, page, rows)
        if sql is None or sql == plan.sql:
            return plan
        key = (*self.key, self.alias, self.shape, *kind, "sorted")
        return SHAPES.get(key, lambda: plan.with_sql(sql))

    def cached_count(self, version=None, key=None):
        # The real query is built only when the count is not cached.
        self.counted = counts.cached_count_of(
            self.filterset.queryset, lambda: self.filterset.qs, version, key
        )
        return self.counted

    def seek(self, values, forward, limit):
        """Up to `limit` rows after (forward) or before the keyset position `values`, in
        the list's order."""
        nulls = tuple(value is None for value in values)
        try:
            fakes = [None if value is None else self.values.add(value) for value in values]
        except Refused:
            fakes = None

        def build():
            if fakes is None:
                raise Refused("a cursor value of no known kind")
            with self.connection.execute_wrapper(_refuse_queries):
                return self._compile(self._beyond(self._queryset(self.cleaned), fakes, forward))

        plan = SHAPES.get((*self.key, self.alias, self.shape, "seek", forward, nulls), build)
        if plan is None:
            queryset = self._beyond(self.order(self.filterset.qs), values, forward)
            return list(self._selected(queryset)[:limit])
        found = self.values.found(self.connection)
        plan = self._as_counted(plan, limit, "seek", forward, nulls)
        return plan.rows(self.connection, self.values.real, limit, found=found)

    def _beyond(self, queryset, values, forward):
        """The ordered `queryset`'s rows past the position `values`, in the direction read."""
        queryset = queryset.filter(self.keyset.beyond(values, forward))
        return queryset if forward else queryset.order_by(*self.keyset.reversed_names())


def listing(key, filterset, order, projection=None, keyset=None):
    """A CompiledList of the validated `filterset`'s rows, or None if its shape is refused.

    `key`: what besides the filters shapes the SQL (the type, the language, the
    surface); `order` puts a filtered queryset in the list's order; `projection`
    gives its values() (without one, the rows are the queryset's instances);
    `keyset`, the class that pages by cursor over an ordered queryset.
    """
    try:
        rows = CompiledList(key, filterset, order, projection, keyset)
    except Refused:
        return None
    return None if rows.plan is None else rows

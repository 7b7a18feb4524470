"""The API's paging: `page` and `page_size`, and keyset `cursor` links for deep pages."""

import datetime
from types import SimpleNamespace

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import CharField, Q
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..domain.paging import CountCachingPaginator
from .schema import FACETS


class Cursor:
    """A position in an ordered list: the ordering keys' values of one row, opaque to clients.

    Signed with the site's secret (django.core.signing): the ordering's names
    (so a cursor cannot be replayed under another ordering), the values, the
    direction (after or before that row) and the number of the page it leads
    to. A cursor the server did not make is refused before anything in it is
    parsed, so no crafted JSON, date or byte reaches the decoder or the
    database.
    """

    SALT = "kb.api.cursor"
    MAX_LENGTH = 4000  # far more than any ordering's keys need; refused unread beyond

    def __init__(self, names, values, forward, page):
        self.names, self.values, self.forward, self.page = names, values, forward, page

    def encode(self):
        data = {"o": self.names, "v": self.values, "d": "n" if self.forward else "p"}
        data["p"] = self.page
        # No timestamp (signing.dumps would add one): the same position gives the
        # same cursor, so links stay stable and cacheable.
        return signing.Signer(salt=self.SALT).sign_object(data, compress=True)

    @classmethod
    def decode(cls, text, names):
        """The cursor `text` names, or None if the server did not make it or it is for
        another ordering."""
        if len(text) > cls.MAX_LENGTH:
            return None
        try:
            data = signing.Signer(salt=cls.SALT).unsign_object(text)
        except (signing.BadSignature, ValueError, UnicodeError):
            return None
        ok = (
            isinstance(data, dict)
            and data.get("o") == names
            and isinstance(data.get("v"), list)
            and len(data["v"]) == len(names)
            and all(v is None or isinstance(v, str) for v in data["v"])
            and data.get("d") in ("n", "p")
            and isinstance(data.get("p"), int)
            and not isinstance(data["p"], bool)
            and data["p"] >= 1
        )
        if not ok:
            return None
        return cls(names, data["v"], data["d"] == "n", data["p"])


class Keyset:
    """Keyset ("seek") paging over a queryset's ordering, which must end in a unique key.

    Rows after a position are those whose ordering keys compare greater in
    that ordering: one OR of prefixes, plus a range on the first key so an
    index on it is used. NULLs sort where the database puts them (first on
    SQLite, last on PostgreSQL, in ascending order). A key may be a text
    annotation (the lists' `sort_name_<language>`, kb/models/ordering.py):
    compared as its expression says, collation and all.
    """

    def __init__(self, queryset):
        self.model = queryset.model
        self.nulls_largest = connections[queryset.db].vendor == "postgresql"
        self.keys = []  # (name, field, descending); field None for an annotation
        seen = set()
        for item in queryset.query.order_by:
            if not isinstance(item, str) or "__" in item or item.lstrip("-") == "?":
                raise ValueError(f"Cannot page by keyset over {item!r}")
            name = item.lstrip("-")
            if name in queryset.query.annotations:
                field, identity = self._annotation(queryset, name), name
            else:
                field = self.model._meta.pk if name == "pk" else self._field(name)
                identity = field.name
            if identity not in seen:
                seen.add(identity)
                self.keys.append((name, field, item.startswith("-")))
        if not self.keys or self.keys[-1][1] is None or not self.keys[-1][1].unique:
            raise ValueError("A keyset ordering must end in a unique field")
        self.names = [("-" if desc else "") + name for name, _f, desc in self.keys]

    def _field(self, name):
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise ValueError(f"Unknown ordering field {name!r}") from exc

    @staticmethod
    def _annotation(queryset, name):
        # Text that is never NULL (FirstNonEmpty gives "" at worst): a cursor holds it as is.
        if not isinstance(queryset.query.annotations[name].output_field, CharField):
            raise ValueError(f"Cannot page by keyset over the annotation {name!r}")
        return None

    def values_of(self, obj):
        """The ordering keys of a row: a model instance, or a dict from values() (projections)."""
        if isinstance(obj, dict):
            # values() names its keys as the ordering does; the field turns each
            # into text as it would from an instance holding that value.
            row = obj
            obj = SimpleNamespace(**{f.attname: row[name] for name, f, _d in self.keys if f})
            annotated = {name: row[name] for name, f, _d in self.keys if f is None}
        else:
            annotated = {name: getattr(obj, name) for name, f, _d in self.keys if f is None}
        values = []
        for name, field, _desc in self.keys:
            if field is None:
                values.append(annotated[name])
                continue
            value = field.value_from_object(obj)
            values.append(None if value is None else field.value_to_string(obj))
        return values

    def parse(self, cursor):
        """The cursor's values as Python values; ValueError if one does not fit its field."""
        parsed = []
        for (_name, field, _desc), value in zip(self.keys, cursor.values, strict=True):
            if value is None:
                if field is None or not field.null:
                    raise ValueError("NULL for a non-null key")
                parsed.append(None)
                continue
            if "\x00" in value:
                raise ValueError("NUL in a cursor value")
            if field is None:
                parsed.append(value)
                continue
            try:
                value = field.to_python(value)
                if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                    # In UTC now: an offset that pushes the instant past year 9999
                    # would overflow in the database adapter instead.
                    value = value.astimezone(datetime.UTC)
            except (ValidationError, OverflowError) as exc:
                raise ValueError(str(exc)) from exc
            parsed.append(value)
        return parsed

    def _step(self, name, field, value, greater):
        """Rows strictly greater (or less) than value in the database's ascending order."""
        nulls_after = self.nulls_largest == greater
        if value is None:
            return Q(**{f"{name}__isnull": False}) if not nulls_after else None
        condition = Q(**{f"{name}__{'gt' if greater else 'lt'}": value})
        if field is not None and field.null and nulls_after:
            condition |= Q(**{f"{name}__isnull": True})
        return condition

    def beyond(self, values, forward):
        """Rows after (forward) or before the position `values`, in this ordering."""
        condition, equal = None, Q()
        for (name, field, desc), value in zip(self.keys, values, strict=True):
            step = self._step(name, field, value, greater=(desc != forward))
            if step is not None:
                step = equal & step
                condition = step if condition is None else condition | step
            equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
        if condition is None:
            return Q(pk__in=[])
        name, field, desc = self.keys[0]
        if values[0] is not None and (field is None or not field.null):
            # Redundant, but lets the database seek on an index of the first key.
            condition &= Q(**{f"{name}__{'gte' if desc != forward else 'lte'}": values[0]})
        return condition

    def reversed_names(self):
        return [n[1:] if n.startswith("-") else f"-{n}" for n in self.names]


class Pagination(PageNumberPagination):
    """`page` and `page_size` (50 by default, capped at 200), and `cursor` for deep pages.

    As in DRF, a malformed or out-of-range `page` answers 404, and a
    malformed `page_size` (not a positive integer) falls back to the default.
    `next` links carry `page` over the first CURSOR_FROM_ROW rows and an
    opaque `cursor` past them: keyset paging, as fast deep in the list as at
    its start. A malformed cursor, or one made for another `ordering`,
    answers 404. `count` comes from `cached_count()`.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = "cursor"
    CURSOR_FROM_ROW = 1000
    page_query_description = "Page number, from 1; past the last page answers 404."
    page_size_query_description = "Records per page: 50 by default, at most 200."
    cursor_query_description = (
        "Opaque position, as given in `next` and `previous` links past the first "
        f"{CURSOR_FROM_ROW} rows: keyset paging, as fast deep in a list as at its start. "
        "It wins over `page`. A malformed cursor, or one from another `ordering`, answers 404."
    )

    # The data version the view read for its ETag: counts need no second read.
    data_version = None
    # The count's cache key, from the view and its filters (filtering.keys.filter_key()).
    count_key = None

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = self.get_page_size(request)
        self.keyset = self._keyset(queryset)
        raw = request.query_params.get(self.cursor_query_param)
        if raw:  # an empty `cursor=` is no cursor, like any empty filter
            return self._cursor_page(queryset, raw)
        self.django_paginator_class = self._paginator
        rows = super().paginate_queryset(queryset, request, view)
        self.count = self.page.paginator.count
        number = self.page.number
        has_next = self.page.has_next()
        self.next_link = self._page_link(number + 1, rows, after=True) if has_next else None
        self.previous_link = self._page_link(number - 1, rows, after=False) if number > 1 else None
        return rows

    def _paginator(self, queryset, size):
        return CountCachingPaginator(
            queryset, size, version=self.data_version, count_key=self.count_key
        )

    def _cursor_page(self, queryset, raw):
        invalid = NotFound("Invalid cursor.")
        if self.keyset is None:
            raise invalid
        cursor = Cursor.decode(raw, self.keyset.names)
        if cursor is None:
            raise invalid
        try:
            values = self.keyset.parse(cursor)
        except ValueError:
            raise invalid from None
        self.count = self._paginator(queryset, self.size).count
        rows = self._beyond(queryset, values, cursor.forward)
        if cursor.forward:
            more_before, more_after = True, len(rows) > self.size
            rows = rows[: self.size]
        else:
            more_before, more_after = len(rows) > self.size, True
            rows = rows[: self.size][::-1]
        number = cursor.page
        self.next_link = (
            self._page_link(number + 1, rows, after=True) if more_after and rows else None
        )
        self.previous_link = (
            self._page_link(number - 1, rows, after=False)
            if more_before and rows and number > 1
            else None
        )
        return rows

    @staticmethod
    def _keyset(rows):
        if hasattr(rows, "seek"):
            return rows.keyset  # a compiled list (kb/filtering/compiled.py) knows its own
        try:
            return Keyset(rows)
        except ValueError:
            return None

    def _beyond(self, rows, values, forward):
        """A page and one more row past the position `values`, in the order they are read."""
        limit = self.size + 1
        if hasattr(rows, "seek"):
            return rows.seek(values, forward, limit)
        beyond = rows.filter(self.keyset.beyond(values, forward))
        if not forward:
            beyond = beyond.order_by(*self.keyset.reversed_names())
        return list(beyond[:limit])

    def _page_link(self, number, rows, after):
        """The link to page `number`: by number near the start, else a cursor from `rows`."""
        url = remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        near_start = (number - 1) * self.size < self.CURSOR_FROM_ROW
        if near_start or self.keyset is None or not rows:
            if number == 1:
                return remove_query_param(url, self.page_query_param)
            return replace_query_param(url, self.page_query_param, number)
        edge = rows[-1] if after else rows[0]
        cursor = Cursor(self.keyset.names, self.keyset.values_of(edge), after, number)
        url = remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor.encode())

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "next": self.next_link,
                "previous": self.previous_link,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["facets"] = FACETS
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": self.cursor_query_description,
                "schema": {"type": "string"},
            }
        )
        return parameters

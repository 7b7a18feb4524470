"""A slug filter's check (fields.SlugListField) through SQL compiled once, kept as text.

`?participant=<slug>` checked its slugs with `queryset.filter(slug__in=...)
.values_list(...)` built through the ORM on every request: 0.3 of the 3.0 ms an
events page took in process. The SQL is compiled once per queryset, alias and
number of slugs, and kept as text with the slugs' places among its parameters
(never as a queryset, whose rows a second run would read from its cache).
tests/filtering/test_slug_lookup.py holds it to the ORM's rows.
"""

import threading
import weakref

from django.core.exceptions import EmptyResultSet
from django.db import connections

# Queryset -> {(alias, columns, number of slugs): (SQL, parameters, the slugs' places,
# the columns' places in each row)}. Filters share their queryset for the life of the
# process (shared.SharedConfigFilter).
_compiled = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def rows_for_slugs(queryset, slugs, columns):
    """`queryset.filter(slug__in=slugs).values_list(*columns)` as a list: one query.

    `slugs` distinct. The alias is the router's, asked for each call.
    """
    alias = queryset.db
    compiled = _compile(queryset, alias, tuple(columns), len(slugs))
    if compiled is None:
        return list(queryset.filter(slug__in=slugs).values_list(*columns))
    sql, params, positions, order = compiled
    params = list(params)
    for position, slug in zip(positions, slugs, strict=True):
        params[position] = slug
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row[i] for i in order) for row in cursor.fetchall()]


def _compile(queryset, alias, columns, count):
    """The compiled lookup for `count` slugs; None if it cannot be compiled so (the ORM's
    answer then stands)."""
    key = (alias, columns, count)
    with _lock:
        found = _compiled.get(queryset, {}).get(key)
    if found is not None:
        return found
    marks = [f"\x00slug {i}\x00" for i in range(count)]
    compiler = (
        queryset.using(alias)
        .filter(slug__in=marks)
        .values(*columns)
        .query.get_compiler(using=alias)
    )
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    # The SELECT's columns come in the compiler's order, not values()'s (which
    # Django's iterable restores row by row): each row is put back in `columns`.
    selected = [name for _expression, _sql, name in compiler.select]
    if sorted(selected) != sorted(columns):
        return None
    if sorted(param for param in params if param in marks) != sorted(marks):
        return None  # a slug went elsewhere than one parameter each: not ours to fill
    compiled = (
        sql,
        tuple(params),
        [params.index(mark) for mark in marks],
        [selected.index(name) for name in columns],
    )
    with _lock:
        _compiled.setdefault(queryset, {})[key] = compiled
    return compiled

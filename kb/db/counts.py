"""Counts cached under the data version: exact as of the last change, computed once."""

import functools
import hashlib

from django.core.cache import caches
from django.core.exceptions import EmptyResultSet

from .version import data_version

COUNT_CACHE = "counts"
COUNT_TIMEOUT = 24 * 3600


def cached_count(queryset, version=None, key=None):
    """`queryset.count()`, cached under the data version: per process, or in
    Redis for every process when REDIS_URL is set.

    The cache key is the query's SQL, or `key` when the caller has a cheaper
    one that determines the rows as surely (a view's own query parameters):
    compiling the SQL only to look its count up cost a fast list a twentieth
    of its time. Pass `version` when the caller has read it already (one
    query fewer).
    """
    return cached_count_of(queryset, lambda: queryset, version, key)


def cached_count_of(base, rows, version=None, key=None):
    """cached_count() of the queryset `rows()` gives, built only if the count is not
    cached: a compiled list (kb/filtering/compiled.py) never builds its query otherwise.

    `base`: a queryset of the same model on the same database.
    """
    rows = functools.cache(rows)  # built once at most, for the key and the count
    if version is None:
        version = data_version(base.db)
    if version is None:
        return rows().count()
    if key is None:
        queryset = rows()
        try:
            key = queryset.order_by().query.sql_with_params()
        except EmptyResultSet:  # .none(), or a filter that can match nothing
            return 0
    label = base.model._meta.label
    digest = hashlib.sha256(repr((base.db, label, key, version)).encode()).hexdigest()
    cache = caches[COUNT_CACHE]
    count = cache.get(digest)
    if count is None:
        count = rows().count()
        cache.set(digest, count, COUNT_TIMEOUT)
    return count

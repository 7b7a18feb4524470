"""Batches for `__in` lookups: bounded parameter lists on every database.

SQLite caps a statement's parameters and PostgreSQL plans long IN lists
slowly, so every lookup over an unbounded set of keys goes 500 at a time.
"""

import itertools

BATCH_SIZE = 500


def batched(values, size=BATCH_SIZE):
    """Lists of at most `size` items, in order."""
    iterator = iter(values)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def in_batches(queryset, lookup, values, size=BATCH_SIZE):
    """The rows of `queryset` whose `lookup` is any of `values`, one query per batch."""
    for chunk in batched(values, size):
        yield from queryset.filter(**{f"{lookup}__in": chunk})

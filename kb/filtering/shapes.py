"""A list request's *shape* and its free values (compiled.py, whose docstring says what a
shape is): which filters it uses and how, and the sentinels that stand for its free values
while its query is built once for every request of that shape.
"""

import datetime
import itertools

import django_filters as filters
from django.core.validators import EMPTY_VALUES
from django.db import connections

from ..db import search
from ..lib.text import search_words
from .fields import ChoiceListField, Slugs, YearListField


class Refused(Exception):
    """This shape's SQL may depend on a value other than as a parameter."""


# Sentinels: values no request can give (negative keys, a NUL byte, the year 1001 on).
_FIRST_KEY = -(10**15)
SENTINEL_MARK = "\x00sentinel"
_FIRST_YEAR = 1001


class Values:
    """A request's free values by key, and the sentinels standing for them while building."""

    def __init__(self):
        self.real, self.fake = {}, {}
        # The table and words the search index looks up for this request (search_shape),
        # and what it found, read when a page is first read: not for a cached count.
        self.searched, self._found = None, None
        # Keys of which the SQL needs one at least (a record's slug, or its key), not all.
        self.either = []
        self._keys = itertools.count()

    def found(self, connection):
        """What the search index found for this request's words (None without any)."""
        if self.searched is None:
            return None
        if self._found is None:
            self._found = search.deferred_candidates(connection, *self.searched)
        return self._found

    def needed(self, used):
        """Whether the keys `used` in the SQL account for every value."""
        alternatives = {key for group in self.either for key in group}
        alone = set(self.fake) - alternatives
        return alone <= used and all(used & set(group) for group in self.either)

    def add_either(self, first, second):
        """Sentinels for two values of which the SQL may use either (a slug, its record's key)."""
        fakes = self.add(first), self.add(second)
        self.either.append((self._last - 1, self._last))
        return fakes

    def add(self, value):
        """A sentinel of value's kind, standing for it."""
        n = self._last = next(self._keys)
        if isinstance(value, bool) or value is None:
            raise Refused("neither a key, a text nor a date")
        if isinstance(value, int):
            fake = _FIRST_KEY - n
        elif isinstance(value, str):
            fake = f"{SENTINEL_MARK}{n}"
        elif isinstance(value, datetime.datetime):
            fake = datetime.datetime(_FIRST_YEAR + n, 1, 1, tzinfo=value.tzinfo)
        elif isinstance(value, datetime.date):
            fake = datetime.date(_FIRST_YEAR + n, 1, 1)
        else:
            raise Refused(f"a value of type {type(value).__name__}")
        self.real[n], self.fake[n] = value, fake
        return fake


def filter_shape(filterset, values):
    """The filters' part of the shape, and their cleaned data with sentinels for free values.

    `filterset` has been validated, or is unbound (a list page without a query string:
    no filter runs). Raises Refused for a value of no known kind.
    """
    if not filterset.is_bound:
        return ("unbound",), {}
    shape, cleaned, words = [], {}, None
    for name, value in filterset.form.cleaned_data.items():
        if value in EMPTY_VALUES:
            cleaned[name] = value
            continue
        field = filterset.form.fields[name]
        if getattr(filterset.filters[name], "method", None) == "filter_q":
            words = name, value
            cleaned[name] = None  # its place among the filters: the SQL keeps their order
            continue
        if isinstance(value, Slugs) and value.pks is not None:
            shape.append((name, "slugs", len(value)))
            pairs = [values.add_either(slug, pk) for slug, pk in zip(value, value.pks, strict=True)]
            cleaned[name] = Slugs([slug for slug, _pk in pairs], pks=[pk for _slug, pk in pairs])
        elif isinstance(value, datetime.date):
            shape.append((name, type(value).__name__))
            cleaned[name] = values.add(value)
        elif isinstance(field, ChoiceListField | YearListField) or isinstance(
            filterset.filters[name], filters.OrderingFilter
        ):
            shape.append((name, "=", tuple(value)))
            cleaned[name] = value
        else:
            raise Refused(f"{name}: a free value")
    if words is not None:
        # Last: only a shape no other filter refused reads the search index.
        shape.append(search_shape(filterset, values, cleaned, *words))
    return tuple(shape), cleaned


def search_shape(filterset, values, cleaned, name, value):
    """`q`'s part of the shape: which of its words the index looks up (three characters
    or more, RecordQuerySet.search). Each word is a free value (its LIKE pattern a
    parameter); on SQLite, the rows the index finds for this request's words are read
    when a page is (Values.found), and written into the SQL then (search.fill_deferred),
    as search.Candidates would write them, choosing the same plan."""
    words = list(dict.fromkeys(search_words(value)))
    indexed = [len(word) >= search.TRIGRAM for word in words]
    fakes = [values.add(word) for word in words]
    cleaned[name] = search.DeferredWords(fakes, itertools.compress(fakes, indexed))
    if connections[filterset.queryset.db].vendor == "sqlite" and any(indexed):
        values.searched = (
            filterset.queryset.model._meta.db_table,
            list(itertools.compress(words, indexed)),
        )
    return (name, "words", tuple(indexed))

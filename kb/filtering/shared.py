"""Filters whose per-request copy shares their configuration: every filter of the FilterSets
is one (fields.py builds the project's own on them; tests/filtering/test_filters.py)."""

import copy

import django_filters as filters


class SharedConfig:
    """A filter whose deep copy shares its configuration.

    Every FilterSet instance deep-copies its class's filters; by default that
    copies the 249 country choices (and a queryset) on every request, a tenth
    of a fast list's time, and a plain filter's lazy label and help text (12 µs
    a date filter, 28 an ordering). What a filter holds in `extra` is read,
    never changed, so a shallow copy with its own `extra` dict is as safe.
    Every filter of the FilterSets is one (tests/filtering/test_filters.py).
    """

    def __deepcopy__(self, memo):
        duplicate = copy.copy(self)
        duplicate.extra = dict(self.extra)
        duplicate.__dict__.pop("_field", None)  # built afresh, as a deep copy would
        if self.method is not None:
            duplicate.method = self.method  # binds a FilterMethod to the copy, not to self
        memo[id(self)] = duplicate
        return duplicate


class SharedConfigFilter(SharedConfig, filters.Filter):
    pass


class TextFilter(SharedConfig, filters.CharFilter):
    pass


class DateFilter(SharedConfig, filters.DateFilter):
    pass

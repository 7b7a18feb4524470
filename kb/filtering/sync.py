"""The API's FilterSets: the public site's (filtersets.py) plus `updated_since`.

Subclassing, never copying, keeps "the same query string gives the same rows"
true between the pages, the API and the CSV downloads. `updated_since` is for
clients that sync, so the pages do not get it.
"""

import datetime

import django_filters as filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from . import filtersets as kb_filters
from .shared import SharedConfig


class UpdatedSinceField(IsoDateTimeField):
    """An ISO 8601 date or date-time (a date means its midnight UTC), stored as UTC.

    Converting here turns an offset that pushes the instant past year 1 or
    9999 into a form error; left to the database adapter it raised
    OverflowError, a 500.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError(_("Enter a date-time between years 1 and 9999.")) from exc


class UpdatedSinceFilter(SharedConfig, filters.IsoDateTimeFilter):
    field_class = UpdatedSinceField


class SyncFilterSet(filters.FilterSet):
    """The API's base: `updated_since`, and a form of the parameters the request names.

    A filter whose parameter is absent filters nothing, and its empty field
    cannot fail validation (no field here is required), so leaving it out of
    the form gives the same rows and the same errors; validating every field
    of an unfiltered list was a fifth of its time. The pages keep the whole
    form: they show it. A filter stays if a parameter starts with its name,
    for widgets that read several (`<name>_min`, `<name>_0`).
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if data is not None:
            # Before django-filter copies the filters: only these are copied.
            given = list(data)
            self.base_filters = {
                name: filter_
                for name, filter_ in type(self).base_filters.items()
                if any(key.startswith(name) for key in given)
            }
        super().__init__(data, queryset, request=request, prefix=prefix)

    updated_since = UpdatedSinceFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Updated since"),
        help_text=_(
            "Records changed at or after this ISO 8601 date (2025-11-24) or date-time "
            "(2025-11-24T08:00:00Z)."
        ),
    )


class OrganisationFilterSet(SyncFilterSet, kb_filters.OrganisationFilterSet):
    class Meta(kb_filters.OrganisationFilterSet.Meta):
        pass


class PersonFilterSet(SyncFilterSet, kb_filters.PersonFilterSet):
    class Meta(kb_filters.PersonFilterSet.Meta):
        pass


class PostFilterSet(SyncFilterSet, kb_filters.PostFilterSet):
    class Meta(kb_filters.PostFilterSet.Meta):
        pass


class EventFilterSet(SyncFilterSet, kb_filters.EventFilterSet):
    class Meta(kb_filters.EventFilterSet.Meta):
        pass


class AgreementFilterSet(SyncFilterSet, kb_filters.AgreementFilterSet):
    class Meta(kb_filters.AgreementFilterSet.Meta):
        pass


class TopicFilterSet(SyncFilterSet, kb_filters.TopicFilterSet):
    class Meta(kb_filters.TopicFilterSet.Meta):
        pass


class SourceFilterSet(SyncFilterSet, kb_filters.SourceFilterSet):
    class Meta(kb_filters.SourceFilterSet.Meta):
        pass


class ClaimFilterSet(SyncFilterSet, kb_filters.ClaimFilterSet):
    class Meta(kb_filters.ClaimFilterSet.Meta):
        pass


def for_model(model):
    """The API's FilterSet of `model`."""
    for filterset in SyncFilterSet.__subclasses__():
        if filterset._meta.model is model:
            return filterset
    raise LookupError(f"No API FilterSet for {model!r}")

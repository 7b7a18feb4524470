"""The building blocks of kb/filtering/filtersets.py: list-valued fields, strict choices, sorting.

A parameter may repeat or hold comma-separated values ("any of"); every value
is checked (known slug of a published record, known code or choice, no NUL
byte, at most MAX_VALUES) before any query filters on it, so bad input is a
form error naming the parameter, never a database error.
"""

import copy

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..lib import regions
from ..lib.text import SLUG_RE

MAX_VALUES = 50  # values per parameter: enough for any real query, bounded for the database
MAX_QUERY_LENGTH = 200


class ListWidget(forms.TextInput):
    """A text input that reads `?x=a,b&x=c` as ["a", "b", "c"]."""

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        values = []
        for item in raw:
            if item is None:
                continue
            values.extend(part.strip() for part in str(item).split(","))
        return [v for v in dict.fromkeys(values) if v]

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return super().format_value(value)


class ListField(forms.Field):
    """Several values in one parameter, each checked by `check_value`."""

    widget = ListWidget
    default_validators = [ProhibitNullCharactersValidator()]

    def to_python(self, value):
        if value in (None, "", []):
            return []
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_VALUES:
            raise ValidationError(
                _("Give at most %(max)d values."), code="max_values", params={"max": MAX_VALUES}
            )
        return values

    def validate(self, value):
        super().validate(value)
        for item in value:
            if "\x00" in item:
                raise ValidationError(_("Null characters are not allowed."), code="null")

    def run_validators(self, value):
        # Validators check single strings; the list was checked in validate().
        pass


class SlugListField(ListField):
    """Slugs that must name published records of `queryset`'s model."""

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)

    def clean(self, value):
        slugs = super().clean(value)
        if not slugs:
            return []
        malformed = [s for s in slugs if not SLUG_RE.match(s)]
        known = dict(self.queryset.filter(slug__in=slugs).values_list("slug", "pk"))
        unknown = [s for s in slugs if s not in known or s in malformed]
        if unknown:
            raise ValidationError(
                _("Unknown %(kind)s: %(values)s."),
                code="unknown",
                params={
                    "kind": self.queryset.model._meta.verbose_name,
                    "values": ", ".join(unknown[:5]),
                },
            )
        return Slugs(slugs, [known[s] for s in slugs])


class Slugs(list):
    """Checked slugs, as given, with the keys of the records they name (`pks`, same order).

    The check reads the keys anyway; a filter that joins on them spares the
    database a join by slug, and PostgreSQL then plans with the key's own
    statistics (a busy organisation's 41,801 participations are not an
    average one's ten).
    """

    def __init__(self, slugs=(), pks=None):
        # Django rebuilds a list lookup's value as type(value)(items): no keys then.
        super().__init__(slugs)
        self.pks = pks


class ChoiceListField(ListField):
    """Values from a fixed set of choices; `normalise` maps input to its canonical form."""

    def __init__(self, *, choices, normalise=str, **kwargs):
        self.choices = choices
        self.normalise = normalise
        super().__init__(**kwargs)

    def clean(self, value):
        values = [self.normalise(v) for v in super().clean(value)]
        if not values:
            return values
        valid = {str(key) for key, _label in self.choices}
        unknown = [v for v in values if v not in valid]
        if unknown:
            # A short list of choices helps; 249 country codes would drown the message.
            message = (
                _("Unknown value: %(values)s. Choose from: %(choices)s.")
                if len(valid) <= 20
                else _("Unknown value: %(values)s.")
            )
            raise ValidationError(
                message,
                code="invalid_choice",
                params={"values": ", ".join(unknown[:5]), "choices": ", ".join(sorted(valid))},
            )
        return values


class SharedConfigFilter(filters.Filter):
    """A filter whose deep copy shares its configuration.

    Every FilterSet instance deep-copies its class's filters; by default that
    copies the 249 country choices (and a queryset) on every request, a tenth
    of a fast list's time. What a filter holds in `extra` is read, never
    changed, so a shallow copy with its own `extra` dict is as safe.
    """

    def __deepcopy__(self, memo):
        duplicate = copy.copy(self)
        duplicate.extra = dict(self.extra)
        duplicate.__dict__.pop("_field", None)  # built afresh, as a deep copy would
        if self.method is not None:
            duplicate.method = self.method  # binds a FilterMethod to the copy, not to self
        memo[id(self)] = duplicate
        return duplicate


class SlugFilter(SharedConfigFilter):
    """Any of several slugs of a related, published record."""

    field_class = SlugListField

    def __init__(self, *args, model, **kwargs):
        kwargs.setdefault("queryset", model.objects.published())
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__slug__in": value})


class ChoicesFilter(SharedConfigFilter):
    """Any of several values of a choice field."""

    field_class = ChoiceListField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


def _country_code(value):
    return value.strip().upper()


def _region_slug(value):
    return value.strip().lower()


COUNTRY_CHOICES = list(countries)
REGION_CHOICES = list(regions.REGION_NAMES.items())


def country_filter(label, **kwargs):
    return ChoicesFilter(
        label=label,
        choices=COUNTRY_CHOICES,
        normalise=_country_code,
        help_text=_("ISO 3166-1 alpha-2 codes, e.g. FR or FR,DE."),
        **kwargs,
    )


def _region_help():
    return _("UN M49 region: %(slugs)s.") % {"slugs": ", ".join(regions.REGION_NAMES)}


def region_filter(label, **kwargs):
    return ChoicesFilter(
        label=label,
        choices=REGION_CHOICES,
        normalise=_region_slug,
        # Lazy, so the page's language is used and not the one active at import.
        help_text=lazy(_region_help, str)(),
        method="filter_region",
        **kwargs,
    )


# The sort choices' labels, translatable (django-filter would derive untranslated
# ones from the field names).
SORT_LABELS = {
    "slug": _("Slug"),
    "name": _("Name"),
    "title": _("Title"),
    "country": _("Country"),
    "updated_at": _("Last updated"),
    "start_date": _("Start date"),
    "end_date": _("End date"),
    "signed_start": _("Signing date"),
    "published_on": _("Publication date"),
    "value": _("Value"),
}


def _descending(field):
    return _("%(field)s (descending)") % {"field": SORT_LABELS[field]}


def ordering_filter(*fields):
    labels = {f: SORT_LABELS[f] for f in fields}
    # Lazy, like the ascending labels: django-filter would format its own at import.
    labels.update({f"-{f}": lazy(_descending, str)(f) for f in fields})
    return filters.OrderingFilter(
        fields=[(f, f) for f in fields], field_labels=labels, label=_("Sort by")
    )

"""The building blocks of kb/filtering/filtersets.py: list-valued fields, strict choices, sorting.

A parameter may repeat or hold comma-separated values ("any of"); every value
is checked (known slug of a published record, known code or choice, no NUL
byte, at most MAX_VALUES) before any query filters on it, so bad input is a
form error naming the parameter, never a database error.

What a person may type besides (kb/filtering/names.py): a country's name for
its code, everywhere; a record's name for its slug, where a page says so
(`SlugListField.accept_names`). The cleaned value is always codes and slugs,
which `canonical()` gives back for the URL.
"""

import datetime

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EMPTY_VALUES, ProhibitNullCharactersValidator
from django.db.models import Q
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..domain.suggestions import candidates, name_field
from ..lib import regions
from ..lib.text import SLUG_RE
from ..models import SlugRedirect
from .names import close_countries, country_codes
from .shared import DateFilter, SharedConfig, SharedConfigFilter
from .slug_rows import rows_for_slugs

MAX_VALUES = 50  # values per parameter: enough for any real query, bounded for the database
MAX_QUERY_LENGTH = 200
ISO_DATE = "%Y-%m-%d"  # the one date format of URLs and the API


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
    """Slugs that must name published records of `queryset`'s model.

    With `accept_names` (the pages set it: kb/site/forms.py), a value that is
    no slug may be a record's name, in either language, or its acronym; it is
    read as the one record it names exactly, or the one record it finds. A
    name several records match is an error listing them.
    """

    accept_names = False

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)

    def clean(self, value):
        given = super().clean(value)
        if not given:
            return []
        slugs = [s for s in given if SLUG_RE.match(s)]
        columns = ["slug", "pk"]
        if self.accept_names:
            columns.append(name_field(self.queryset.model))  # shown back on the page
        known = {row[0]: row for row in self._rows_for_slugs(slugs, columns)}
        if missing := [s for s in slugs if s not in known]:
            known.update(self._redirected(missing, columns))
        unknown, ambiguous, found = [], [], []
        for item in given:
            if item in known:
                found.append(known[item])
            elif not self.accept_names:
                unknown.append(item)
            else:
                record, others = self._named(item)
                if record is not None:
                    found.append(record)
                elif others:
                    ambiguous.append((item, others))
                else:
                    unknown.append(item)
        errors = []
        if unknown:
            errors.append(
                ValidationError(
                    _("Unknown %(kind)s: %(values)s."),
                    code="unknown",
                    params={
                        "kind": self.queryset.model._meta.verbose_name,
                        "values": ", ".join(unknown[:5]),
                    },
                )
            )
        for item, others in ambiguous[:5]:
            errors.append(
                ValidationError(
                    _(
                        "Several %(kind)s match “%(value)s”: %(names)s. Type the full name of "
                        "one, or its slug."
                    ),
                    code="ambiguous",
                    params={
                        "kind": self.queryset.model._meta.verbose_name_plural,
                        "value": item,
                        "names": "; ".join(f"{c.name} ({c.slug})" for c in others[:5]),
                    },
                )
            )
        if errors:
            raise ValidationError(errors)
        rows = list({row[0]: row for row in found}.values())
        names = {row[0]: row[2] for row in rows} if self.accept_names else {}
        return Slugs([row[0] for row in rows], [row[1] for row in rows], names)

    def _rows_for_slugs(self, slugs, columns):
        """The queryset's rows (`columns`) whose slug is among `slugs`: one query, through
        SQL compiled once (slug_rows.py); a page that shows names (`accept_names`)
        reads through the ORM, which gives the translated name its fallbacks."""
        if not slugs:
            return []
        slugs = list(dict.fromkeys(slugs))
        if self.accept_names:
            return self.queryset.filter(slug__in=slugs).values_list(*columns)
        return rows_for_slugs(self.queryset, slugs, columns)

    def _redirected(self, slugs, columns):
        """{old slug: row of the record it was merged into}, for those of `slugs` that
        redirect to a record of the queryset (kb/models/redirects.py)."""
        targets = SlugRedirect.objects.targets(self.queryset.model, slugs)
        if not targets:
            return {}
        pks = [target.pk for target in targets.values()]
        rows = {row[1]: row for row in self.queryset.filter(pk__in=pks).values_list(*columns)}
        return {old: rows[t.pk] for old, t in targets.items() if t.pk in rows}

    def _named(self, text):
        """(slug, pk, name) of the one record `text` names, else (None, the candidates)."""
        found = candidates(self.queryset, text)
        exact = [c for c in found if c.exact]
        if len(exact) == 1 or (len(found) == 1 and not exact):
            chosen = (exact or found)[0]
            return (chosen.slug, chosen.pk, chosen.name), []
        return None, exact or found

    def canonical(self, cleaned):
        return list(cleaned)


class Slugs(list):
    """Checked slugs, as given, with the keys of the records they name (`pks`, same order).

    The check reads the keys anyway; a filter that joins on them spares the
    database a join by slug, and PostgreSQL then plans with the key's own
    statistics (a busy organisation's 41,801 participations are not an
    average one's ten).
    """

    def __init__(self, slugs=(), pks=None, names=None):
        # Django rebuilds a list lookup's value as type(value)(items): no keys then.
        super().__init__(slugs)
        self.pks = pks
        self.names = names or {}  # {slug: name in the active language}, on the pages


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

    def canonical(self, cleaned):
        return list(cleaned)


class CountryListField(ChoiceListField):
    """Countries by ISO code, or by name in English or French, accents and case aside."""

    def clean(self, value):
        parts = ListField.clean(self, value)
        codes, unknown = country_codes(parts)
        if unknown:
            close = [name for item in unknown[:3] for name in close_countries(item)]
            if close:
                message = _("Unknown country: %(values)s. Did you mean: %(close)s?")
            else:
                message = _("Unknown country: %(values)s. Type its name or its ISO code (DE).")
            raise ValidationError(
                message,
                code="invalid_choice",
                params={
                    "values": ", ".join(unknown[:5]),
                    "close": ", ".join(dict.fromkeys(close)),
                },
            )
        return codes


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


class CountriesFilter(ChoicesFilter):
    """Any of several countries, by code or name."""

    field_class = CountryListField


def _region_slug(value):
    return value.strip().lower()


COUNTRY_CHOICES = list(countries)
REGION_CHOICES = list(regions.REGION_NAMES.items())


def country_filter(label, **kwargs):
    return CountriesFilter(
        label=label,
        choices=COUNTRY_CHOICES,
        help_text=_(
            "ISO 3166-1 alpha-2 codes or names in English or French, e.g. DE, FR,DE or Germany."
        ),
        **kwargs,
    )


def date_filter(label, **kwargs):
    """A day, ISO 8601 only: the same query string means the same day in either language
    (Django's own input formats would read 01/02/2025 as 2 January in English). A page
    may add its language's format (kb/site/forms.py)."""
    return DateFilter(label=label, input_formats=[ISO_DATE], help_text=_("YYYY-MM-DD"), **kwargs)


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


class NameOrderingFilter(SharedConfig, filters.OrderingFilter):
    """`ordering`, the name (title, statement) sorting as the lists' default order does: by
    the name shown in the active language, under its collation (kb/models/ordering.py),
    rather than code point by code point ("BKA" before "Bahamas")."""

    def filter(self, qs, value):
        order = getattr(qs.model, "list_order", None)
        if value in EMPTY_VALUES or order is None:
            return super().filter(qs, value)
        language = translation.get_language()
        key = order.alias(language)
        ordering = []
        for param in value:
            if param in EMPTY_VALUES:
                continue
            field = self.get_ordering_value(param)
            if field.lstrip("-") == order.field:
                if key not in qs.query.annotations:
                    qs = qs.annotate(**{key: order.key(language)})
                field = field.replace(order.field, key)
            ordering.append(field)
        return qs.order_by(*ordering)


def ordering_filter(*fields):
    labels = {f: SORT_LABELS[f] for f in fields}
    # Lazy, like the ascending labels: django-filter would format its own at import.
    labels.update({f"-{f}": lazy(_descending, str)(f) for f in fields})
    return NameOrderingFilter(
        fields=[(f, f) for f in fields], field_labels=labels, label=_("Sort by")
    )


class YearListField(ListField):
    """Years (1 to 9999), as integers: `?year=2025` or `?year=2024,2025`."""

    def clean(self, value):
        values = super().clean(value)
        malformed = [v for v in values if not (v.isascii() and v.isdigit() and 1 <= int(v) <= 9999)]
        if malformed:
            raise ValidationError(
                _("Not a year: %(values)s. Give years as numbers, e.g. 2025."),
                code="invalid_year",
                params={"values": ", ".join(malformed[:5])},
            )
        return sorted({int(v) for v in values})


class YearFilter(SharedConfigFilter):
    """Any of several years of a date field: the year a facet groups by, as a filter.

    Each year is a range on the column (1 January to 31 December), not the
    year extracted from it, so the column's index serves it.
    """

    field_class = YearListField

    def filter(self, qs, value):
        if not value:
            return qs
        condition = Q()
        for year in value:
            condition |= Q(
                **{
                    f"{self.field_name}__gte": datetime.date(year, 1, 1),
                    f"{self.field_name}__lte": datetime.date(year, 12, 31),
                }
            )
        return qs.filter(condition)

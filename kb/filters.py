"""One FilterSet per type: the list pages, the API and the downloads share them.

The same query string therefore gives the same rows everywhere. Conventions:
- relations are filtered by slug, never by id;
- a repeated parameter or a comma-separated value means "any of";
- an unknown value (slug, code, choice) or a malformed date is a form error
  naming the parameter, which the API turns into a 400 and pages display;
- a date range matches every record whose window overlaps it;
- relation filters render as text inputs, never as a drop-down of a table.
"""

import re

import django_filters as filters
from django import forms
from django.conf import global_settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Exists, OuterRef, Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from . import regions
from .models import (
    Agreement,
    AgreementParty,
    Claim,
    Event,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Source,
    Status,
    Topic,
)

MAX_VALUES = 50  # values per parameter: enough for any real query, bounded for the database
MAX_QUERY_LENGTH = 200
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,200}$")


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
        known = set(self.queryset.filter(slug__in=slugs).values_list("slug", flat=True))
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
        return slugs


class ChoiceListField(ListField):
    """Values from a fixed set of choices; `normalise` maps input to its canonical form."""

    def __init__(self, *, choices, normalise=str, **kwargs):
        self.choices = choices
        self.normalise = normalise
        super().__init__(**kwargs)

    def clean(self, value):
        values = [self.normalise(v) for v in super().clean(value)]
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


class SlugFilter(filters.Filter):
    """Any of several slugs of a related, published record."""

    field_class = SlugListField

    def __init__(self, *args, model, **kwargs):
        kwargs.setdefault("queryset", model.objects.published())
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__slug__in": value})


class ChoicesFilter(filters.Filter):
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


class BaseFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        max_length=MAX_QUERY_LENGTH,
        help_text=_("Words in the name (English or French), acronym or aliases."),
    )

    def filter_q(self, qs, name, value):
        return qs.search(value) if value else qs


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


def _in_region(field, slugs):
    codes = [c for slug in slugs for c in regions.countries_in(slug)]
    return Q(**{f"{field}__in": codes})


def overlaps(start, end, bound, value):
    """One half of "the window [start, end] overlaps the range".

    A window overlaps [from, to] when it ends on or after `from` and starts
    on or before `to`; each bound is one of those two conditions, so the
    filters apply independently. Unknown windows (NULL dates) never match.
    """
    if bound.endswith("_from"):
        return Q(**{f"{end}__gte": value})
    return Q(**{f"{start}__lte": value})


class OrganisationFilterSet(BaseFilterSet):
    country = country_filter(_("Country"))
    region = region_filter(_("Region"))
    kind = ChoicesFilter(label=_("Kind"), choices=Organisation.Kind.choices)
    parent = SlugFilter(label=_("Part of (slug)"), model=Organisation)
    event = SlugFilter(label=_("Took part in (event slug)"), model=Event, method="filter_event")
    ordering = ordering_filter("slug", "name", "country", "updated_at")

    class Meta:
        model = Organisation
        fields = ["q", "country", "region", "kind", "parent", "event"]

    def filter_region(self, qs, name, value):
        return qs.filter(_in_region("country", value)) if value else qs

    def filter_event(self, qs, name, value):
        if not value:
            return qs
        took_part = Participation.objects.filter(organisation=OuterRef("pk"), event__slug__in=value)
        return qs.filter(Exists(took_part))


class PersonFilterSet(BaseFilterSet):
    country = country_filter(_("Country"))
    organisation = SlugFilter(
        label=_("Organisation (slug)"), model=Organisation, method="filter_organisation"
    )
    ordering = ordering_filter("slug", "name", "updated_at")

    class Meta:
        model = Person
        fields = ["q", "country", "organisation"]

    def filter_organisation(self, qs, name, value):
        if not value:
            return qs
        member = Membership.objects.filter(person=OuterRef("pk"), organisation__slug__in=value)
        return qs.filter(Exists(member))


class PostFilterSet(BaseFilterSet):
    organisation = SlugFilter(label=_("Organisation (slug)"), model=Organisation)
    ordering = ordering_filter("slug", "name", "updated_at")

    class Meta:
        model = Post
        fields = ["q", "organisation"]


class EventFilterSet(BaseFilterSet):
    kind = ChoicesFilter(label=_("Kind"), choices=Event.Kind.choices)
    country = country_filter(_("Venue country"))
    region = region_filter(_("Venue region"))
    participant = SlugFilter(
        label=_("Participant (organisation slug)"),
        model=Organisation,
        method="filter_participant",
    )
    counterpart_country = country_filter(
        _("Counterpart country"), method="filter_counterpart_country"
    )
    counterpart_region = region_filter(_("Counterpart region"))
    parent = SlugFilter(label=_("Part of (event slug)"), model=Event)
    topic = SlugFilter(label=_("Topic (slug)"), model=Topic, method="filter_topic")
    date_from = filters.DateFilter(
        label=_("From"), method="filter_dates", help_text=_("YYYY-MM-DD")
    )
    date_to = filters.DateFilter(label=_("To"), method="filter_dates", help_text=_("YYYY-MM-DD"))
    ordering = ordering_filter("start_date", "end_date", "slug", "name", "updated_at")

    class Meta:
        model = Event
        fields = [
            "q",
            "kind",
            "country",
            "region",
            "participant",
            "counterpart_country",
            "counterpart_region",
            "parent",
            "topic",
            "date_from",
            "date_to",
        ]

    def filter_region(self, qs, name, value):
        if not value:
            return qs
        if name == "counterpart_region":
            return self._counterparts(qs, _in_region("organisation__country", value))
        return qs.filter(_in_region("country", value))

    def filter_counterpart_country(self, qs, name, value):
        return self._counterparts(qs, Q(organisation__country__in=value)) if value else qs

    def _counterparts(self, qs, condition):
        """Events where someone other than the host matches: whom did the host meet."""
        others = (
            Participation.objects.filter(event=OuterRef("pk"))
            .exclude(role=Participation.Role.HOST)
            .filter(condition, organisation__status=Status.PUBLISHED)
        )
        return qs.filter(Exists(others))

    def filter_participant(self, qs, name, value):
        if not value:
            return qs
        took_part = Participation.objects.filter(event=OuterRef("pk"), organisation__slug__in=value)
        return qs.filter(Exists(took_part))

    def filter_topic(self, qs, name, value):
        if not value:
            return qs
        tagged = Event.topics.through.objects.filter(event=OuterRef("pk"), topic__slug__in=value)
        return qs.filter(Exists(tagged))

    def filter_dates(self, qs, name, value):
        return qs.filter(overlaps("start_date", "end_date", name, value)) if value else qs


class AgreementFilterSet(BaseFilterSet):
    kind = ChoicesFilter(label=_("Kind"), choices=Agreement.Kind.choices)
    legal_status = ChoicesFilter(label=_("Legal status"), choices=Agreement.LegalStatus.choices)
    party = SlugFilter(
        label=_("Party (organisation slug)"), model=Organisation, method="filter_party"
    )
    party_country = country_filter(_("Party country"), method="filter_party_country")
    party_region = region_filter(_("Party region"))
    signed_at = SlugFilter(label=_("Signed at (event slug)"), model=Event)
    topic = SlugFilter(label=_("Topic (slug)"), model=Topic, method="filter_topic")
    signed_from = filters.DateFilter(
        label=_("Signed from"), method="filter_dates", help_text=_("YYYY-MM-DD")
    )
    signed_to = filters.DateFilter(
        label=_("Signed to"), method="filter_dates", help_text=_("YYYY-MM-DD")
    )
    ordering = ordering_filter("signed_start", "slug", "title", "updated_at")

    class Meta:
        model = Agreement
        fields = [
            "q",
            "kind",
            "legal_status",
            "party",
            "party_country",
            "party_region",
            "signed_at",
            "topic",
            "signed_from",
            "signed_to",
        ]

    def _parties(self, qs, condition):
        parties = AgreementParty.objects.filter(
            condition, agreement=OuterRef("pk"), organisation__status=Status.PUBLISHED
        )
        return qs.filter(Exists(parties))

    def filter_party(self, qs, name, value):
        return self._parties(qs, Q(organisation__slug__in=value)) if value else qs

    def filter_party_country(self, qs, name, value):
        return self._parties(qs, Q(organisation__country__in=value)) if value else qs

    def filter_region(self, qs, name, value):
        return self._parties(qs, _in_region("organisation__country", value)) if value else qs

    def filter_topic(self, qs, name, value):
        if not value:
            return qs
        tagged = Agreement.topics.through.objects.filter(
            agreement=OuterRef("pk"), topic__slug__in=value
        )
        return qs.filter(Exists(tagged))

    def filter_dates(self, qs, name, value):
        return qs.filter(overlaps("signed_start", "signed_end", name, value)) if value else qs


class TopicFilterSet(BaseFilterSet):
    ordering = ordering_filter("slug", "name", "updated_at")

    class Meta:
        model = Topic
        fields = ["q"]


class SourceFilterSet(BaseFilterSet):
    kind = ChoicesFilter(label=_("Kind"), choices=Source.Kind.choices)
    language = ChoicesFilter(
        label=_("Language"),
        choices=global_settings.LANGUAGES,
        normalise=lambda v: v.strip().lower(),
    )
    ordering = ordering_filter("slug", "title", "published_on", "updated_at")

    class Meta:
        model = Source
        fields = ["q", "kind", "language"]


class ClaimFilterSet(BaseFilterSet):
    """Not in DESIGN's table (claims show on the quality page); the API lists them."""

    ordering = ordering_filter("slug", "value", "updated_at")

    class Meta:
        model = Claim
        fields = ["q"]

"""One FilterSet per type: the list pages, the API and the downloads share them.

The same query string therefore gives the same rows everywhere. Conventions:
- relations are filtered by slug, never by id;
- a repeated parameter or a comma-separated value means "any of";
- an unknown value (slug, code, choice) or a malformed date is a form error
  naming the parameter, which the API turns into a 400 and pages display;
- a date range matches every record whose window overlaps it;
- relation filters render as text inputs, never as a drop-down of a table.
"""

import django_filters as filters
from django.conf import global_settings
from django.core.signals import setting_changed
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..domain.relations import people_took_part
from ..lib import regions
from ..models import (
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
    Topic,
)
from ..models.visibility import public
from .fields import (
    MAX_QUERY_LENGTH,
    ChoicesFilter,
    SlugFilter,
    YearFilter,
    country_filter,
    date_filter,
    ordering_filter,
    region_filter,
)
from .shared import TextFilter

# Form classes kept (BaseFilterSet.get_form_class): some ten types, two languages, and
# the sets of parameters API clients use, which are few in practice.
FORM_CLASSES_MAX = 500


class BaseFilterSet(filters.FilterSet):
    """`q` for every type; `for_model()` finds a type's FilterSet."""

    # (FilterSet class, its filters' names, language) -> its form class: get_form_class().
    _form_classes = {}

    q = TextFilter(
        label=_("Search"),
        method="filter_q",
        max_length=MAX_QUERY_LENGTH,
        help_text=_("Words in the name (English or French), acronym or aliases."),
    )

    def filter_q(self, qs, name, value):
        return qs.search(value) if value else qs

    def get_form_class(self):
        """The form class, made once per FilterSet class, set of filters and language.

        django-filter builds each filter's field and a new form class on every
        request (a sixth of a list page's time, past its SQL); the fields come
        from the filters' configuration alone, fixed for the class. Each form
        deep-copies its class's fields, as any Django form does, so a page that
        changes its form's fields (kb/site/forms.py) changes its own copies. The
        set of filters is in the key, as the API's FilterSets keep those the
        request names (kb/filtering/sync.py); the language, for any label or
        choice a field might word when made.
        """
        names = tuple(self.filters)
        if names != tuple(self.base_filters):
            return super().get_form_class()  # an instance that changed its filters
        key = (type(self), names, translation.get_language())
        form_class = self._form_classes.get(key)
        if form_class is None:
            if len(self._form_classes) >= FORM_CLASSES_MAX:
                self._form_classes.clear()  # a bound: clients choose the sets of filters
            form_class = self._form_classes[key] = super().get_form_class()
        return form_class


def _forget_form_classes(**kwargs):
    # A test's changed setting (languages, DISABLE_HELP_TEXT) may change the fields.
    BaseFilterSet._form_classes.clear()


setting_changed.connect(_forget_form_classes)


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


def start_bounds(date_from=None, date_to=None, prefix=""):
    """The start dates of the events whose windows overlap [date_from, date_to], either
    open: implied by the overlap (the same rows), they give a scan of an index on the start
    date (the lists' order, kb_event_pub_start) its ends. `prefix` reaches the event
    through a relation ("event__")."""
    bounds = Q()
    if date_from:
        bounds &= Q(**{f"{prefix}start_date__gte": Event.earliest_start(date_from)})
    if date_to:
        bounds &= Q(**{f"{prefix}start_date__lte": date_to})
    return bounds


def counterparts():
    """Participations by someone other than the host, whose organisation is published:
    whom the host met (the counterpart filters; `join_counterparts` as a join)."""
    return Participation.objects.exclude(role=Participation.Role.HOST).filter(
        public("organisation")
    )


def join_counterparts(events, alias):
    """`events` joined, as `alias`, to the participations counterparts() holds: the same
    rule as a join, for the facets to count by.

    A join from the events rather than `event IN (the events)` from the
    participations: without statistics SQLite probed the (organisation, event)
    index once per organisation and listed event, for minutes at scale 100.
    """
    condition = ~Q(participations__role=Participation.Role.HOST)
    joined = events.annotate(**{alias: FilteredRelation("participations", condition=condition)})
    return joined.filter(public(f"{alias}__organisation"))


def parties():
    """An agreement's parties whose organisation is published (the party filters;
    `join_parties` as a join)."""
    return AgreementParty.objects.filter(public("organisation"))


def join_parties(agreements, alias):
    """`agreements` joined, as `alias`, to the parties parties() holds (see join_counterparts)."""
    joined = agreements.annotate(**{alias: FilteredRelation("parties")})
    return joined.filter(public(f"{alias}__organisation"))


class OrganisationFilterSet(BaseFilterSet):
    country = country_filter(_("Country"))
    region = region_filter(_("Region"))
    kind = ChoicesFilter(label=_("Kind"), choices=Organisation.Kind.choices)
    parent = SlugFilter(label=_("Part of"), model=Organisation)
    event = SlugFilter(label=_("Took part in"), model=Event, method="filter_event")
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
        label=_("Organisation"), model=Organisation, method="filter_organisation"
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
    organisation = SlugFilter(label=_("Organisation"), model=Organisation)
    ordering = ordering_filter("slug", "name", "updated_at")

    class Meta:
        model = Post
        fields = ["q", "organisation"]


class EventFilterSet(BaseFilterSet):
    kind = ChoicesFilter(label=_("Kind"), choices=Event.Kind.choices)
    country = country_filter(_("Venue country"))
    region = region_filter(_("Venue region"))
    participant = SlugFilter(
        label=_("Participant"),
        model=Organisation,
        method="filter_participant",
    )
    person = SlugFilter(
        label=_("Person taking part"),
        model=Person,
        method="filter_person",
        help_text=_("In person, or through a post they held at the time."),
    )
    counterpart_country = country_filter(
        _("Counterpart country"), method="filter_counterpart_country"
    )
    counterpart_region = region_filter(_("Counterpart region"))
    parent = SlugFilter(label=_("Part of"), model=Event)
    topic = SlugFilter(label=_("Topic"), model=Topic, method="filter_topic")
    date_from = date_filter(_("From"), method="filter_dates")
    date_to = date_filter(_("To"), method="filter_dates")
    year = YearFilter(
        label=_("Year"), field_name="start_date", help_text=_("Year of the start date, e.g. 2025.")
    )
    ordering = ordering_filter("start_date", "end_date", "slug", "name", "updated_at")

    class Meta:
        model = Event
        fields = [
            "q",
            "kind",
            "country",
            "region",
            "participant",
            "person",
            "counterpart_country",
            "counterpart_region",
            "parent",
            "topic",
            "date_from",
            "date_to",
            "year",
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
        return qs.filter(Exists(counterparts().filter(condition, event=OuterRef("pk"))))

    def filter_participant(self, qs, name, value):
        if not value:
            return qs
        # By key when the field gives the keys it checked: PostgreSQL then plans with
        # that organisation's own share of the participations (the busiest takes part
        # in most events: probe each event in date order, stop at a page) rather
        # than an average one's (hash every participation of it first).
        pks = getattr(value, "pks", None)
        who = Q(organisation__in=pks) if pks is not None else Q(organisation__slug__in=value)
        took_part = Participation.objects.filter(who, event=OuterRef("pk"))
        return qs.filter(Exists(took_part))

    def filter_person(self, qs, name, value):
        if not value:
            return qs
        # The search page's rule (kb/domain/relations.py): its "all 52 events" link lands here.
        took_part = Participation.objects.filter(people_took_part(value), event=OuterRef("pk"))
        return qs.filter(Exists(took_part))

    def filter_topic(self, qs, name, value):
        if not value:
            return qs
        tagged = Event.topics.through.objects.filter(event=OuterRef("pk"), topic__slug__in=value)
        return qs.filter(Exists(tagged))

    def filter_dates(self, qs, name, value):
        if not value:
            return qs
        qs = qs.filter(overlaps("start_date", "end_date", name, value))
        if name == "date_from":
            qs = qs.filter(start_bounds(date_from=value))
        return qs


class AgreementFilterSet(BaseFilterSet):
    kind = ChoicesFilter(label=_("Kind"), choices=Agreement.Kind.choices)
    legal_status = ChoicesFilter(label=_("Legal status"), choices=Agreement.LegalStatus.choices)
    party = SlugFilter(label=_("Party"), model=Organisation, method="filter_party")
    party_country = country_filter(_("Party country"), method="filter_party_country")
    party_region = region_filter(_("Party region"))
    signed_at = SlugFilter(label=_("Signed at"), model=Event)
    topic = SlugFilter(label=_("Topic"), model=Topic, method="filter_topic")
    signed_from = date_filter(_("Signed from"), method="filter_dates")
    signed_to = date_filter(_("Signed to"), method="filter_dates")
    year = YearFilter(
        label=_("Year"), field_name="signed_start", help_text=_("Year of signing, e.g. 2025.")
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
            "year",
        ]

    def _parties(self, qs, condition):
        return qs.filter(Exists(parties().filter(condition, agreement=OuterRef("pk"))))

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
    year = YearFilter(
        label=_("Year"),
        field_name="published_on",
        help_text=_("Year of publication, e.g. 2025."),
    )
    ordering = ordering_filter("slug", "title", "published_on", "updated_at")

    class Meta:
        model = Source
        fields = ["q", "kind", "language", "year"]


class ClaimFilterSet(BaseFilterSet):
    """Claims show on the quality page, not in a list of their own; the API lists them."""

    ordering = ordering_filter("slug", "value", "updated_at")

    class Meta:
        model = Claim
        fields = ["q"]


def for_model(model):
    """The public FilterSet of `model` (each class here names its model in Meta)."""
    for filterset in BaseFilterSet.__subclasses__():
        if filterset._meta.model is model:
            return filterset
    raise LookupError(f"No FilterSet for {model!r}")

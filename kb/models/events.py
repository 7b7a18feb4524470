"""What happened: topics, events and who took part, agreements and their parties."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Value, Window
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ..db.dates import DaysBefore, LongestSpan, SpanDays
from ..lib import regions
from .actors import Organisation, Person, Post
from .base import (
    NO_ID,
    CitedRecord,
    DatePrecision,
    JoinRow,
    Record,
    choice_words,
    country_names,
    translated,
)
from .citations import CitedQuerySet, published_citations
from .ordering import NameOrder
from .rules import AnyOf, DateWindow, validate_post_organisation
from .visibility import shown

EVENT_WINDOW = DateWindow("event_dates_in_order", "start_date", "end_date")
# Days from an event's start to its end, indexed (kb_event_span): the longest
# of all is then read at once (Event.earliest_start).
EVENT_SPAN = SpanDays("start_date", "end_date")
AGREEMENT_WINDOW = DateWindow("agreement_dates_in_order", "signed_start", "signed_end")
TOPIC_ORDER = NameOrder("topic", "name")
# By date, then by name; the end date in the index too, as in kb_event_pub_start.
EVENT_ORDER = NameOrder("event", "name", leading=("start_date",), covering=("end_date",))
AGREEMENT_ORDER = NameOrder("agreement", "title")
NAMES_A_PARTICIPANT = AnyOf(
    "participation_names_a_participant",
    ("organisation", "person", "post"),
    _("Name an organisation, a person or a post."),
)


class TopicQuerySet(CitedQuerySet):
    def for_listing(self):
        return self.prefetch_related(published_citations())


def published_topics():
    return models.Prefetch("topics", queryset=Topic.objects.published())


class Topic(CitedRecord):
    """A theme of cooperation, such as organised crime or cybercrime."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")

    objects = TopicQuerySet.as_manager()
    list_order = TOPIC_ORDER

    class Meta(Record.Meta):
        indexes = [*Record.Meta.indexes, *TOPIC_ORDER.indexes()]

    def __str__(self):
        return self.name

    def search_terms(self):
        return [self.slug, *translated(self, "name")]


class EventQuerySet(CitedQuerySet):
    def for_listing(self):
        return self._listed(models.Prefetch("participations", queryset=published_participants()))

    def for_list_rows(self, counterparts=5):
        """for_listing() for a list page's rows, which name the first `counterparts`
        counterparts of each event (in Meta's order) and count the others.

        They come as `row_counterparts`, each carrying its event's number of
        counterparts as `counterparts_total`, in place of every participation:
        an assembly of a large base has hundreds, and naming them all made the
        events page ten times slower than the other lists (35 ms at scale 100).
        """
        first = (
            published_participants()
            .exclude(role=Participation.Role.HOST)
            .annotate(counterparts_total=Window(Count("pk"), partition_by=[F("event_id")]))
            # What a row shows (kb_rows.participant): the window sorts every counterpart
            # of the page's events, and whole records (descriptions) made it 10 times slower.
            .only(
                "event_id",
                "role",
                *(f"organisation__{f}" for f in ("slug", "name_en", "name_fr")),
                *(f"post__{f}" for f in ("slug", "name_en", "name_fr")),
                "person__slug",
                "person__name",
            )
        )
        return self._listed(
            models.Prefetch(
                "participations", queryset=first[:counterparts], to_attr="row_counterparts"
            )
        )

    def _listed(self, participations):
        return self.select_related("parent", "organiser").prefetch_related(
            published_topics(), participations, published_citations()
        )


def published_participants():
    """Participations whose participants are all published, with them loaded."""
    return Participation.objects.filter(shown("organisation", "person", "post")).select_related(
        "organisation", "person", "post"
    )


def published_parties():
    return AgreementParty.objects.filter(shown("organisation")).select_related("organisation")


class Event(CitedRecord):
    """A general assembly, meeting or signing, possibly part of a larger event."""

    class Kind(models.TextChoices):
        GENERAL_ASSEMBLY = "general_assembly", _("General assembly")
        BILATERAL_MEETING = "bilateral_meeting", _("Bilateral meeting")
        MULTILATERAL_MEETING = "multilateral_meeting", _("Multilateral meeting")
        SIGNING = "signing", _("Signing")
        CONFERENCE = "conference", _("Conference")
        OTHER = "other", _("Other")

    MEETING_KINDS = (Kind.BILATERAL_MEETING, Kind.MULTILATERAL_MEETING)
    # Words for a kind besides its label in English and French, that search finds it by.
    KIND_WORDS = {
        Kind.BILATERAL_MEETING: ("meeting", "rencontre bilatérale"),
        Kind.MULTILATERAL_MEETING: ("meeting", "rencontre multilatérale"),
        Kind.SIGNING: ("signing ceremony", "cérémonie de signature"),
    }

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=40, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The larger event this one is part of."),
    )
    start_date = models.DateField(null=True, blank=True, db_index=True)
    end_date = models.DateField(null=True, blank=True, db_index=True)
    date_precision = models.CharField(
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.EXACT,
        help_text=_(
            "Use 'within' when the source gives only a window (a meeting held at some "
            "point during an assembly); never invent a precise day."
        ),
    )
    city = models.CharField(max_length=200, blank=True, default="")
    country = CountryField(blank=True, default="", db_index=True, help_text=_("The venue."))
    organiser = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organised_events",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="events")
    description = models.TextField(blank=True, default="")

    class Meta(Record.Meta):
        ordering = ["start_date", "slug"]
        constraints = [EVENT_WINDOW.constraint()]
        indexes = [
            *Record.Meta.indexes,
            # Meta's order (`?ordering=start_date`, the exports), published rows first;
            # the end date too, so date filters are checked in the index before any
            # row is read. The lists' default order has its own (EVENT_ORDER).
            models.Index(
                fields=["status", "start_date", "slug", "end_date"], name="kb_event_pub_start"
            ),
            models.Index(EVENT_SPAN, name="kb_event_span"),
            *EVENT_ORDER.indexes(),
        ]

    objects = EventQuerySet.as_manager()
    list_order = EVENT_ORDER

    def __str__(self):
        return self.name

    def search_terms(self):
        return [
            self.slug,
            *translated(self, "name"),
            self.city,
            *country_names(self.country),
            *choice_words(Event.Kind, self.kind),
            *Event.KIND_WORDS.get(self.kind, ()),
        ]

    @property
    def region(self):
        return regions.region_for(self.country)

    @classmethod
    def earliest_start(cls, ending_from):
        """The earliest an event can start if it ends on or after `ending_from`: that day less
        the longest span of any event, as an expression for the query it goes in.

        `end_date >= day` alone gives an index on the start date (the lists'
        order, kb_event_pub_start) no place to begin, so a list from a date
        would read every event since the first. `start_date >= this` is
        implied (the rows are the same) and gives the scan its lower end: a
        page of the busiest participant's events reads about a page of
        events, however long the history. The longest span is read from
        kb_event_span, which the database keeps in step on every write, over
        every event, drafts and undated ones too, so it bounds whatever else
        the query selects.
        """
        start, end = (cls._meta.get_field(name).column for name in ("start_date", "end_date"))
        longest = LongestSpan(cls._meta.db_table, start, end)
        return DaysBefore(Value(ending_from, models.DateField()), longest)

    def clean(self):
        super().clean()
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An event cannot be part of itself.")})


class Participation(JoinRow):
    """Who took part in an event, and in which role.

    A participant is an organisation, a person, a post, or a combination; a
    post's participation also names the post's organisation.
    """

    class Role(models.TextChoices):
        HOST = "host", _("Host")
        ORGANISER = "organiser", _("Organiser")
        HEAD_OF_DELEGATION = "head_of_delegation", _("Head of delegation")
        COUNTERPART = "counterpart", _("Counterpart")
        PARTICIPANT = "participant", _("Participant")
        OBSERVER = "observer", _("Observer")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="participations"
    )
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="participations"
    )
    role = models.CharField(
        max_length=30, choices=Role.choices, default=Role.PARTICIPANT, db_index=True
    )

    class Meta:
        ordering = ["event", "role", "pk"]
        # "Did this organisation take part in this event": the participant and
        # event filters probe it once per candidate row.
        # "Who took part in these events, and how": the map's counts read a scope's
        # participations from this index alone (kb/domain/cooperation.py, _count_rows).
        indexes = [
            models.Index(fields=["organisation", "event"], name="participation_org_event"),
            models.Index(
                fields=["event", "role", "organisation", "post", "person"],
                name="participation_event_cover",
            ),
        ]
        constraints = [
            NAMES_A_PARTICIPANT.constraint(),
            models.UniqueConstraint(
                F("event"),
                Coalesce("organisation", NO_ID),
                Coalesce("person", NO_ID),
                Coalesce("post", NO_ID),
                name="participation_natural_key",
                violation_error_message=_("This participant is already recorded for the event."),
            ),
        ]

    def __str__(self):
        who = " / ".join(str(x) for x in (self.post, self.person, self.organisation) if x)
        return f"{who} @ {self.event} ({self.get_role_display()})"

    def clean(self):
        super().clean()
        validate_post_organisation(self)


class AgreementQuerySet(CitedQuerySet):
    def for_listing(self):
        return self.select_related("signed_at").prefetch_related(
            models.Prefetch("parties", queryset=published_parties()),
            published_topics(),
            published_citations(),
        )


class Agreement(CitedRecord):
    """A memorandum, protocol or agreement between organisations."""

    class Kind(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding")
        PROTOCOL = "protocol", _("Protocol")
        AGREEMENT = "agreement", _("Agreement")
        DECLARATION = "declaration", _("Declaration")
        TREATY = "treaty", _("Treaty")
        OTHER = "other", _("Other")

    # Words for a kind besides its label in English and French, that search finds it
    # by: acronyms, plurals, the other usual French name ("protocole d'accord").
    KIND_WORDS = {
        Kind.MOU: (
            "MoU",
            "MoUs",
            "memorandum",
            "memoranda of understanding",
            "memorandums of understanding",
            "mémorandums d'entente",
            "protocole d'accord",
        ),
        Kind.PROTOCOL: ("protocols", "protocoles"),
        Kind.AGREEMENT: ("agreements", "accords"),
        Kind.DECLARATION: ("declarations", "déclarations", "joint declaration"),
        Kind.TREATY: ("treaties", "traités"),
    }

    class LegalStatus(models.TextChoices):
        SIGNED = "signed", _("Signed")
        IN_FORCE = "in_force", _("In force")
        EXPIRED = "expired", _("Expired")
        UNKNOWN = "unknown", _("Unknown")

    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    legal_status = models.CharField(
        max_length=20,
        choices=LegalStatus.choices,
        default=LegalStatus.UNKNOWN,
        db_index=True,
        help_text=_("Legal standing; not to be confused with the publication status."),
    )
    signed_start = models.DateField(null=True, blank=True, db_index=True)
    signed_end = models.DateField(null=True, blank=True, db_index=True)
    date_precision = models.CharField(
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.EXACT,
        help_text=_("Equal start and end dates with 'exact' when the day is known."),
    )
    signed_at = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        help_text=_("The event where it was signed."),
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="agreements")
    summary = models.TextField(blank=True, default="")

    class Meta(Record.Meta):
        constraints = [AGREEMENT_WINDOW.constraint()]
        indexes = [
            *Record.Meta.indexes,
            *AGREEMENT_ORDER.indexes(),
            # The published agreements of a date range, read from the index alone (the
            # map, graph and timeline's scope): the status's index made SQLite read
            # every published agreement's row to test its dates (the map of three years
            # at scale 100: 7.3 ms for 2,396 agreements' groups, 2.4 with it).
            models.Index(
                fields=["status", "signed_start", "signed_end"], name="kb_agreement_pub_signed"
            ),
        ]

    objects = AgreementQuerySet.as_manager()
    list_order = AGREEMENT_ORDER

    def __str__(self):
        return self.title

    def search_terms(self):
        return [
            self.slug,
            *translated(self, "title"),
            *choice_words(Agreement.Kind, self.kind),
            *Agreement.KIND_WORDS.get(self.kind, ()),
        ]


class AgreementParty(JoinRow):
    """An organisation that is party to an agreement, in a role."""

    class Role(models.TextChoices):
        SIGNATORY = "signatory", _("Signatory")
        WITNESS = "witness", _("Witness")
        DEPOSITARY = "depositary", _("Depositary")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreement_parties"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SIGNATORY)

    class Meta:
        ordering = ["agreement", "pk"]
        verbose_name_plural = "agreement parties"
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation"],
                name="agreement_party_natural_key",
                violation_error_message=_("This organisation is already a party."),
            ),
        ]

    def __str__(self):
        return f"{self.organisation} — {self.agreement}"

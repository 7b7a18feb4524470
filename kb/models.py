"""Entente's domain: who met whom, what they agreed, and the source of each fact.

Main records (topics, organisations, people, posts, events, agreements,
sources, claims) share `Record`: a unique human-readable slug, a publication
status and timestamps. Join rows (memberships, participations, agreement
parties, citations) have no slug; their natural key is what they join, and a
database constraint keeps it unique.
"""

import datetime

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from . import regions

# Stand-ins for NULL inside unique constraints: NULLs are distinct in a unique
# index on both SQLite and PostgreSQL, so without them two identical rows
# with an empty optional part would both be accepted.
_NO_ID = Value(0)
_NO_DATE = Value(datetime.date(1, 1, 1))


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("Exact: it ran from the start date to the end date")
    WITHIN = "within", _("Within: it took place on some day in that window")


class RecordQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public surface starts here."""
        return self.filter(status=Status.PUBLISHED)

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Record(models.Model):
    """Fields shared by every main record."""

    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text=_("Stable, human-readable key used in URLs, the API and import files."),
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text=_("Only published records appear on the public site and in the API."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    citations = GenericRelation("kb.Citation", related_query_name="%(class)s")

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["slug"]

    def natural_key(self):
        return (self.slug,)


class JoinRow(models.Model):
    """Fields shared by join rows: timestamps and citations, no slug."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    citations = GenericRelation("kb.Citation", related_query_name="%(class)s")

    class Meta:
        abstract = True


def _dates_in_order(start, end, name):
    """A CHECK that a window is either unknown or runs forwards.

    A window is unknown (both empty) or known (both set, start <= end); a
    lone end date would make overlap filters guess.
    """
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True, f"{end}__isnull": True})
        | Q(**{f"{start}__isnull": False, f"{end}__isnull": False, f"{start}__lte": F(end)}),
        name=name,
        violation_error_message=_("The end date must be on or after the start date."),
    )


class Topic(Record):
    """A theme of cooperation, such as organised crime or cybercrime."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")

    def __str__(self):
        return self.name


class Organisation(Record):
    """A police force, security service, delegation, ministry or international body."""

    class Kind(models.TextChoices):
        POLICE = "police", _("Police")
        SECURITY_SERVICE = "security_service", _("Security service")
        DELEGATION = "delegation", _("National delegation")
        MINISTRY = "ministry", _("Ministry")
        INTERGOVERNMENTAL = "intergovernmental_organisation", _("Intergovernmental organisation")
        INTERNATIONAL_BODY = "international_body", _("International body")
        UN_BODY = "un_body", _("United Nations body")
        ACADEMIC = "academic", _("Academic institution")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=300)
    acronym = models.CharField(max_length=50, blank=True, default="", db_index=True)
    kind = models.CharField(max_length=40, choices=Kind.choices, db_index=True)
    country = CountryField(
        blank=True,
        default="",
        db_index=True,
        help_text=_("Leave empty for international bodies."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The body this one is part of (the DGSN is part of the pôle DGSN-DGST)."),
    )
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Other names and spellings, in any language, as a list of strings."),
    )
    website = models.URLField(blank=True, default="")
    description = models.TextField(blank=True, default="")

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def region(self):
        return regions.region_for(self.country)

    def clean(self):
        super().clean()
        _validate_aliases(self.aliases)
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An organisation cannot be its own parent.")})


class Person(Record):
    """A named person. The article names only one; posts stand in for the rest."""

    name = models.CharField(max_length=300)
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Other names and spellings, as a list of strings."),
    )
    country = CountryField(blank=True, default="", db_index=True)
    description = models.TextField(blank=True, default="")

    class Meta(Record.Meta):
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        _validate_aliases(self.aliases)


class Post(Record):
    """A seat that exists apart from whoever holds it, in one organisation.

    Sources often name the seat ("le président d'Interpol") and not the
    person; a post lets the data say exactly that and no more.
    """

    name = models.CharField(max_length=300)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="posts"
    )
    description = models.TextField(blank=True, default="")

    def __str__(self):
        return self.name


class Membership(JoinRow):
    """A person holds a post, or belongs to an organisation, over a window of time."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text=_("The organisation; for a post, the post's own organisation."),
    )
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    start_date = models.DateField(null=True, blank=True, help_text=_("Empty when unknown."))
    end_date = models.DateField(null=True, blank=True, help_text=_("Empty when unknown or current."))

    class Meta:
        ordering = ["person", "start_date"]
        constraints = [
            models.UniqueConstraint(
                F("person"),
                F("organisation"),
                Coalesce("post", _NO_ID),
                Coalesce("start_date", _NO_DATE),
                name="membership_natural_key",
                violation_error_message=_("This membership is already recorded."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(start_date__lte=F("end_date")),
                name="membership_dates_in_order",
                violation_error_message=_("The end date must be on or after the start date."),
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.post or self.organisation}"

    def clean(self):
        super().clean()
        _validate_post_organisation(self)


class Event(Record):
    """A general assembly, meeting or signing, possibly part of a larger event."""

    class Kind(models.TextChoices):
        GENERAL_ASSEMBLY = "general_assembly", _("General assembly")
        BILATERAL_MEETING = "bilateral_meeting", _("Bilateral meeting")
        MULTILATERAL_MEETING = "multilateral_meeting", _("Multilateral meeting")
        SIGNING = "signing", _("Signing")
        CONFERENCE = "conference", _("Conference")
        OTHER = "other", _("Other")

    MEETING_KINDS = (Kind.BILATERAL_MEETING, Kind.MULTILATERAL_MEETING)

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
        constraints = [_dates_in_order("start_date", "end_date", "event_dates_in_order")]

    def __str__(self):
        return self.name

    @property
    def region(self):
        return regions.region_for(self.country)

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
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False)
                | Q(person__isnull=False)
                | Q(post__isnull=False),
                name="participation_names_a_participant",
                violation_error_message=_("Name an organisation, a person or a post."),
            ),
            models.UniqueConstraint(
                F("event"),
                Coalesce("organisation", _NO_ID),
                Coalesce("person", _NO_ID),
                Coalesce("post", _NO_ID),
                name="participation_natural_key",
                violation_error_message=_("This participant is already recorded for the event."),
            ),
        ]

    def __str__(self):
        who = " / ".join(str(x) for x in (self.post, self.person, self.organisation) if x)
        return f"{who} @ {self.event} ({self.get_role_display()})"

    def clean(self):
        super().clean()
        _validate_post_organisation(self)


class Agreement(Record):
    """A memorandum, protocol or agreement between organisations."""

    class Kind(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding")
        PROTOCOL = "protocol", _("Protocol")
        AGREEMENT = "agreement", _("Agreement")
        DECLARATION = "declaration", _("Declaration")
        TREATY = "treaty", _("Treaty")
        OTHER = "other", _("Other")

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
        constraints = [_dates_in_order("signed_start", "signed_end", "agreement_dates_in_order")]

    def __str__(self):
        return self.title


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


class Source(Record):
    """The document a fact comes from."""

    class Kind(models.TextChoices):
        NEWS_ARTICLE = "news_article", _("News article")
        PRESS_RELEASE = "press_release", _("Press release")
        OFFICIAL_DOCUMENT = "official_document", _("Official document")
        REPORT = "report", _("Report")
        OTHER = "other", _("Other")

    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    publisher = models.CharField(max_length=300, blank=True, default="", help_text=_("Empty when unknown."))
    language = models.CharField(
        max_length=10, db_index=True, help_text=_("ISO 639-1 code of the source's language.")
    )
    published_on = models.DateField(null=True, blank=True, help_text=_("Empty when unknown."))
    url = models.URLField(max_length=1000, blank=True, default="", help_text=_("Empty when unknown."))
    attributed_to = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributed_sources",
        help_text=_("Whom the source attributes its facts to, when it names someone."),
    )
    attribution = models.TextField(
        blank=True,
        default="",
        help_text=_("The source's own words for that attribution."),
    )

    def __str__(self):
        return self.title


class Citation(models.Model):
    """Links a record to a source with the exact quote that supports it."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    quote = models.TextField(
        help_text=_("Copied exactly, in the source's language (typographic apostrophes and all).")
    )
    translation = models.TextField(blank=True, default="", help_text=_("Optional translation."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["content_type", "object_id", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="citation_record")]
        constraints = [
            models.CheckConstraint(condition=~Q(quote=""), name="citation_quote_not_empty"),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "source", "quote"],
                name="citation_natural_key",
                violation_error_message=_("This quote already cites this record."),
            ),
        ]

    def __str__(self):
        return f"{self.source}: “{self.quote[:60]}”"


class Claim(Record):
    """A figure a source states about a record, checked against the data.

    The recorded figure is computed from the data by the claim's measure,
    never typed in, so the verdict stays true as editors add records.
    """

    class Qualifier(models.TextChoices):
        EXACTLY = "exactly", _("exactly")
        AT_LEAST = "at_least", _("at least")
        AT_MOST = "at_most", _("at most")
        ABOUT = "about", _("about")

    class Measure(models.TextChoices):
        MEETINGS_IN_EVENT = "meetings_in_event", _(
            "Meetings in the event: published bilateral or multilateral meetings that are "
            "part of the subject event"
        )

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    statement = models.CharField(max_length=500, help_text=_("A short statement of the claim."))
    value = models.PositiveIntegerField()
    qualifier = models.CharField(max_length=10, choices=Qualifier.choices)
    measure = models.CharField(max_length=40, choices=Measure.choices, db_index=True)

    # Which model each measure counts about; clean() enforces it.
    MEASURE_SUBJECTS = {Measure.MEETINGS_IN_EVENT: "event"}

    class Meta(Record.Meta):
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="claim_subject")]

    def __str__(self):
        return self.statement

    def clean(self):
        super().clean()
        expected = self.MEASURE_SUBJECTS.get(self.measure)
        if expected and self.subject_type_id and self.subject_type.model != expected:
            raise ValidationError(
                {"subject_type": _("This measure counts about a %(model)s.") % {"model": expected}}
            )

    def recorded(self):
        """What the data records for the claim's measure."""
        if self.measure == self.Measure.MEETINGS_IN_EVENT:
            return (
                Event.objects.published()
                .filter(parent_id=self.subject_id, kind__in=Event.MEETING_KINDS)
                .count()
            )
        raise ValueError(f"Unknown measure {self.measure!r}")

    def is_consistent(self, recorded=None):
        """Whether the recorded figure agrees with the claim.

        "About" allows 10% either way (at least 1), a customary reading of a
        rounded figure.
        """
        recorded = self.recorded() if recorded is None else recorded
        if self.qualifier == self.Qualifier.EXACTLY:
            return recorded == self.value
        if self.qualifier == self.Qualifier.AT_LEAST:
            return recorded >= self.value
        if self.qualifier == self.Qualifier.AT_MOST:
            return recorded <= self.value
        return abs(recorded - self.value) <= max(1, self.value // 10)


def _validate_aliases(aliases):
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise ValidationError({"aliases": _("Give a list of non-empty names.")})


def _validate_post_organisation(row):
    """A post belongs to one organisation: a row naming a post names that organisation.

    Filling in a missing organisation here spares editors a redundant field,
    and a row naming another organisation is refused rather than guessed at.
    """
    if not row.post_id:
        return
    if not row.organisation_id:
        row.organisation_id = row.post.organisation_id
    elif row.post.organisation_id != row.organisation_id:
        raise ValidationError({"post": _("This post belongs to another organisation.")})

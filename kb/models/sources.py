"""Where facts come from: sources, the citations that quote them, and checked claims."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import MD5, Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .actors import Organisation
from .base import CitedRecord, Record, RecordQuerySet, published_citations, translated
from .events import Event


class SourceQuerySet(RecordQuerySet):
    def for_listing(self):
        return self.select_related("attributed_to")


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
    publisher = models.CharField(
        max_length=300, blank=True, default="", help_text=_("Empty when unknown.")
    )
    language = models.CharField(
        max_length=10, db_index=True, help_text=_("ISO 639-1 code of the source's language.")
    )
    published_on = models.DateField(null=True, blank=True, help_text=_("Empty when unknown."))
    url = models.URLField(
        max_length=1000, blank=True, default="", help_text=_("Empty when unknown.")
    )
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

    objects = SourceQuerySet.as_manager()

    def __str__(self):
        return self.title

    def search_terms(self):
        return [self.slug, self.title, self.publisher]


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
            # The quote enters the key as a hash: a long quote would exceed
            # PostgreSQL's limit on the size of a b-tree index entry.
            models.UniqueConstraint(
                F("content_type"),
                F("object_id"),
                F("source"),
                MD5("quote"),
                name="citation_natural_key",
                violation_error_message=_("This quote already cites this record."),
            ),
        ]

    def __str__(self):
        return f"{self.source}: “{self.quote[:60]}”"


class ClaimQuerySet(RecordQuerySet):
    def for_listing(self):
        return self.select_related("subject_type").prefetch_related(
            "subject", published_citations()
        )

    def with_recorded(self):
        """Annotate `recorded_value`: what Claim.recorded() computes, for a whole page at once.

        One correlated subquery instead of one COUNT per claim keeps a list's
        query count independent of its length. Claim.recorded() stays the
        reference; a test holds the two to the same answer.
        """
        meetings = (
            Event.objects.published()
            .filter(parent_id=OuterRef("subject_id"), kind__in=Event.MEETING_KINDS)
            .order_by()
            .values("parent_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            recorded_value=models.Case(
                models.When(
                    measure=Claim.Measure.MEETINGS_IN_EVENT,
                    then=Coalesce(Subquery(meetings), Value(0)),
                ),
                default=None,
                output_field=models.IntegerField(),
            )
        )


class Claim(CitedRecord):
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
        MEETINGS_IN_EVENT = (
            "meetings_in_event",
            _(
                "Meetings in the event: published bilateral or multilateral meetings that are "
                "part of the subject event"
            ),
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
        indexes = [
            *Record.Meta.indexes,
            models.Index(fields=["subject_type", "subject_id"], name="claim_subject"),
        ]

    objects = ClaimQuerySet.as_manager()

    def __str__(self):
        return self.statement

    def search_terms(self):
        return [self.slug, *translated(self, "statement")]

    def get_absolute_url(self):
        # Claims are shown, with their verdict, on the data-quality page.
        return f"{reverse('kb:quality')}#claim-{self.slug}"

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

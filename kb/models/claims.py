"""Claims: figures sources state about a record, checked against what the data record."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import CitedRecord, Record, translated
from .citations import CitedQuerySet, published_citations
from .events import Event
from .ordering import NameOrder

CLAIM_ORDER = NameOrder("claim", "statement")


class ClaimQuerySet(CitedQuerySet):
    def for_listing(self):
        # Lists show each claim's recorded figure: computed for the whole page at once.
        return (
            self.select_related("subject_type")
            .prefetch_related("subject", published_citations())
            .with_recorded()
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
            *CLAIM_ORDER.indexes(),
        ]

    objects = ClaimQuerySet.as_manager()
    list_order = CLAIM_ORDER

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

"""Possible duplicates: pairs of records a reviewer should look at, and when they were computed.

`DuplicateCandidate` rows are written by the computation (kb/domain/duplicates.py,
the one owner of the rule) and read by the admin's "Possible duplicates" page.
They live with the records (the primary database), so that the page can leave out,
in the same query, a pair whose record is gone (merged or deleted): nothing has to
tidy up after a merge. They hold no public data, so writing them does not renew the
data version (`changes_data_version`, kb/db/install.py): a recompute or a "Not
duplicates" mark must not flush the public caches or rebuild the downloads.

`DuplicatesRun` is the one row that says when the list was last computed and whether
a computation is queued; like the downloads' schedule it lives under the jobs alias
(kb/db/routing.py), so that "queued" is committed at once and every process reads it.

May import: Django only.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DuplicateCandidateQuerySet(models.QuerySet):
    def of_model(self, model):
        return self.filter(content_type=ContentType.objects.get_for_model(model))

    def open(self):
        return self.filter(status=DuplicateCandidate.Status.OPEN)

    def existing(self, models_):
        """Pairs of `models_` whose two records both still exist (a merge deletes one).

        One query whatever the number of types: a subquery per type.
        """
        condition = Q(pk__in=[])
        for model in models_:
            ids = model._default_manager.values("pk")
            condition |= Q(
                content_type=ContentType.objects.get_for_model(model),
                low_id__in=ids,
                high_id__in=ids,
            )
        return self.filter(condition)


class DuplicateCandidate(models.Model):
    """Two records of one type that may be the same: why, and what a reviewer decided."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        # A reviewer said these are two records: a recompute never reopens the pair.
        DISTINCT = "distinct", _("Not duplicates")

    class Reasons(models.TextChoices):
        ALIAS = "alias", _("Shared name or alias")
        SIMILAR = "similar", _("Similar names")
        BOTH = "alias+similar", _("Shared alias and similar names")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    # The two records' ids, the smaller first: a pair is stored once whichever way it was
    # found. Plain ids, not a GenericForeignKey: a merge moves what points at a record
    # (kb/history/merging.py), and a pair must not follow its record into the kept one.
    low_id = models.PositiveBigIntegerField()
    high_id = models.PositiveBigIntegerField()
    reasons = models.CharField(max_length=20, choices=Reasons.choices)
    # The shared name or alias, as the first record writes it ("" when none is shared).
    alias = models.CharField(max_length=300, blank=True, default="")
    # The best trigram similarity between the two records' folded names (0 to 1).
    score = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # When the run that last found this pair ran.
    computed_at = models.DateTimeField()

    objects = DuplicateCandidateQuerySet.as_manager()

    # Reviewers' bookkeeping, not data the public sees (kb/db/install.py).
    changes_data_version = False

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["content_type", "-score", "low_id", "high_id"]
        indexes = [
            models.Index(fields=["status", "content_type", "-score"], name="duplicate_listing"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "low_id", "high_id"], name="duplicate_pair_unique"
            ),
            models.CheckConstraint(
                condition=Q(low_id__lt=F("high_id")), name="duplicate_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="duplicate_score_range"
            ),
            models.CheckConstraint(
                condition=Q(reasons__in=["alias", "similar", "alias+similar"]),
                name="duplicate_reasons_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "distinct"]), name="duplicate_status_valid"
            ),
            # A pair found through a shared alias names it.
            models.CheckConstraint(
                condition=Q(reasons="similar") | ~Q(alias=""), name="duplicate_alias_named"
            ),
        ]

    def __str__(self):
        return f"{self.content_type.model} #{self.low_id} ~ #{self.high_id}"

    @property
    def by_alias(self):
        return self.reasons != self.Reasons.SIMILAR

    @property
    def by_similarity(self):
        return self.reasons != self.Reasons.ALIAS


class DuplicatesRun(models.Model):
    """The one row that says when the possible duplicates were computed, and if a run waits."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    # A computation is queued (by this user, at this time); null when none waits.
    queued_at = models.DateTimeField(null=True, blank=True)
    queued_by = models.CharField(max_length=150, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What the last run that finished found: pairs, similarity comparisons, seconds.
    pairs = models.PositiveIntegerField(default=0)
    comparisons = models.PositiveBigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    # Why the last run failed; empty once one succeeds.
    error = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="duplicates_run_one_row")]

    def __str__(self):
        return f"duplicates computed {self.finished_at or 'never'}"

    @classmethod
    def current(cls):
        """The row, created on first use."""
        return cls.objects.get_or_create(pk=1)[0]

"""Background jobs: an editor's import or export, its progress, and the workers that run it.

These rows live under the "jobs" database alias (kb/db/routing.py): a
connection of their own, so that a job's progress and a cancel request are
committed while the job's own write transaction, on the primary, is still
open. They hold no public data and carry neither the data version nor the
search index. The user is named by id and username, not by a foreign key,
because on SQLite the jobs database is another file.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# The states a job ends in; every other state is work still to do or under way.
FINISHED = ("done", "failed", "cancelled")


class JobQuerySet(models.QuerySet):
    def for_user(self, user):
        """The jobs an editor may see: their own, or everyone's for a superuser."""
        if user.is_superuser:
            return self
        return self.filter(user_id=user.pk)

    def unfinished(self):
        return self.exclude(state__in=FINISHED)


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Validating")
        WRITING = "writing", _("Writing")
        EXPORTING = "exporting", _("Exporting")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The registry key of the record type (kb/registry.py), e.g. "organisation".
    resource = models.CharField(max_length=50)
    # The file format's name, as kb/transfer/formats.py knows it: csv, xlsx, json.
    file_format = models.CharField(max_length=10)
    user_id = models.BigIntegerField()
    username = models.CharField(max_length=150)
    # An import's uploaded file, kept here so that every web and worker process
    # reaches it; an export's result once it is done.
    file_name = models.CharField(max_length=255, blank=True)
    payload = models.BinaryField(blank=True, default=b"")
    result = models.BinaryField(blank=True, default=b"")
    result_name = models.CharField(max_length=255, blank=True)
    result_type = models.CharField(max_length=100, blank=True)

    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(null=True, blank=True)
    validated = models.PositiveIntegerField(default=0)
    written = models.PositiveIntegerField(default=0)
    # The records a write creates or changes (unchanged rows are not written),
    # known once every row is valid.
    to_write = models.PositiveIntegerField(null=True, blank=True)
    # A check of the file that writes nothing; once it is clean, the editor may
    # import the same file for real (a new job with the same payload).
    dry_run = models.BooleanField(default=False)
    cancel_requested = models.BooleanField(default=False)
    # The final report: counts, and the same row-and-column errors as the
    # admin's import page (kb/jobs/).
    report = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user_id", "-created_at"], name="kb_job_user_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["import", "export"]), name="kb_job_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["queued", "validating", "writing", "exporting", *FINISHED]),
                name="kb_job_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True)
                | (Q(validated__lte=F("total")) & Q(written__lte=F("total"))),
                name="kb_job_progress_within_total",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(state__in=FINISHED),
                name="kb_job_finished_when_ended",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.resource} #{self.pk} ({self.state})"

    @property
    def finished(self):
        return self.state in FINISHED


class WorkerHeartbeat(models.Model):
    """A worker process's last sign of life, written every few seconds (`manage.py worker`)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    backend = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.worker_id} ({self.hostname}:{self.pid})"

"""The bulk downloads' manifest (which copy of each file is current) and their rebuild schedule.

Both live under the "jobs" alias with the jobs (kb/db/routing.py): they hold
no public data of their own, every web and worker process reads them, and
writing them must not renew the data version, or a rebuild would notice its
own write and queue the next one.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact


class DownloadFile(models.Model):
    """One bulk file as the downloads page offers it: the copy in storage a reader gets.

    A build saves each file under a new name of its own (`stored_name`, with
    its digest), then points this row at it: a reader is handed a whole
    file, the new one or the one before, never one being written.
    """

    # The public name, in the URL and the Content-Disposition: entente-csv.zip.
    name = models.CharField(max_length=100, unique=True)
    # Its name in the downloads storage (settings.STORAGES["downloads"]).
    stored_name = models.CharField(max_length=255)
    # The copy it replaced, kept until the next build so a download under way can finish.
    previous_name = models.CharField(max_length=255, blank=True, default="")
    media_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # When its data were read (the build's start): the date the page and the citation give.
    built_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(stored_name=""), name="download_stored_name_set"),
            # A SHA-256 in hex: the ETag and the digest the page shows.
            models.CheckConstraint(
                condition=Exact(Length("sha256"), 64), name="download_sha256_length"
            ),
        ]

    def __str__(self):
        return self.name


class DownloadsSchedule(models.Model):
    """The one row that says when the bulk files were built and when they will be next.

    A rebuild is queued when the data version differs from `version` (the one
    the last build read), at most once per DOWNLOADS_REBUILD_SECONDS after the
    last build started, and never twice (`queued_for` is set while one waits).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    # The data version the last build that started read ("" none yet, or it failed).
    version = models.CharField(max_length=64, blank=True, default="")
    # A rebuild is queued to run at this time; null when none is waiting.
    queued_for = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why the last build failed; empty once one succeeds.
    error = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="downloads_schedule_one_row")]

    def __str__(self):
        return f"downloads built {self.finished_at or 'never'}"

    @classmethod
    def current(cls):
        """The row, created on first use."""
        return cls.objects.get_or_create(pk=1)[0]

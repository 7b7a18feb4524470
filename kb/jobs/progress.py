"""A job's progress, written where every process can read it while the job still writes.

The import's write is one transaction on the primary; these counts go out on
the jobs alias (kb/db/routing.py), a connection of its own in autocommit, so
each update is committed at once: the editor's progress bar moves while the
write runs, on SQLite too (the jobs database is another file there).
Cancelling is cooperative: every update also reads the job's cancel flag, and
raises `JobCancelled` between two batches, which rolls the write back whole.
"""

from django.utils import timezone

from ..models import Job


class JobCancelled(Exception):
    """The editor asked to stop: raised between batches, so nothing is written."""


class Progress:
    def __init__(self, job):
        self.job = job
        self.counts = {}

    def update(self, **counts):
        # Callers report once a batch (500 rows validated, 2,500 written), so
        # a write per report costs a 190,000-row import a few hundred small
        # UPDATEs: nothing beside its own.
        self.counts.update(counts)
        self.flush()

    def flush(self):
        fields = dict(self.counts)
        if "written" in fields and self.job.state != Job.State.WRITING:
            fields["state"] = self.job.state = Job.State.WRITING
        Job.objects.filter(pk=self.job.pk).update(updated_at=timezone.now(), **fields)
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled

"""Queueing jobs, and asking them to stop: what the admin calls.

The job's row is committed before its task is queued (on_commit), so that a
worker never looks for a job that is not there yet.
"""

import json

from django.db import transaction
from django.utils import timezone

from .. import registry
from ..db.routing import JOBS
from ..models import Job
from ..models.jobs import FINISHED
from .tasks import run_job


def _queue(user, entry, file_format, **fields):
    """A new job of `user`'s on `entry`'s type, its task queued once the row is committed."""
    with transaction.atomic(using=JOBS):
        job = Job.objects.create(
            resource=entry.name,
            file_format=file_format,
            user_id=user.pk,
            username=user.get_username(),
            **fields,
        )

        def enqueue():
            result = run_job.enqueue(job.pk)
            Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

        transaction.on_commit(enqueue, using=JOBS)
    return job


def start_import(*, user, entry, file_format, file_name, data, dry_run):
    """Queue an import of `data` (the uploaded file's bytes) into `entry`'s type."""
    return _queue(
        user,
        entry,
        file_format,
        kind=Job.Kind.IMPORT,
        file_name=file_name[:255],
        payload=data,
        dry_run=dry_run,
    )


def import_for_real(job, user):
    """After a clean check (a dry run), the same file imported for real: a new job."""
    return start_import(
        user=user,
        entry=registry.named(job.resource),
        file_format=job.file_format,
        file_name=job.file_name,
        data=bytes(job.payload),
        dry_run=False,
    )


def start_export(*, user, entry, file_format, keys, file_name):
    """Queue an export of the rows with these keys, in this order."""
    keys = list(keys)
    return _queue(
        user,
        entry,
        file_format,
        kind=Job.Kind.EXPORT,
        result_name=file_name[:255],
        payload=json.dumps(keys).encode(),
        total=len(keys),
    )


def cancel(job):
    """Ask a job to stop. A queued one stops at once; a running one at its next batch."""
    Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
        state=Job.State.CANCELLED,
        cancel_requested=True,
        finished_at=timezone.now(),
        report={"cancelled": True},
    )
    Job.objects.filter(pk=job.pk).exclude(state__in=FINISHED).update(cancel_requested=True)

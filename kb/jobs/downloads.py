"""Rebuilding the bulk downloads after the data change, at most once per DOWNLOADS_REBUILD_SECONDS.

Every write to any kb table renews the data version (kb/db/version.py:
database triggers, so admin saves, imports, reverts, commands and raw SQL
alike). A worker compares it with the version the last build read on each
heartbeat (kb/jobs/workers.py, every few seconds: `notice_changes`); when
they differ it queues one rebuild, to run once DOWNLOADS_REBUILD_SECONDS
have passed since the last build started (at once after a quiet spell),
through the task queue's own `run_after`: no scheduler besides the worker.
One conditional UPDATE of the schedule row (kb/models/downloads.py) queues
it, so two changes in a row, or two workers noticing the same one, queue
one rebuild. The rebuild claims the row the same way when it starts, so a
task delivered twice builds once.

The files are never built inside a request: by the worker, or by
`manage.py downloads` (which `make run` calls when there are none yet).
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ..db.routing import JOBS, PRIMARY
from ..db.version import data_version
from ..exports.bulk.build import build
from ..exports.bulk.catalogue import available
from ..models import DownloadFile, DownloadsSchedule

logger = logging.getLogger(__name__)

# A rebuild queued this long past its time and never started was lost (its
# queue emptied, say): the next change queues another.
LOST_AFTER = datetime.timedelta(hours=1)


def interval():
    return datetime.timedelta(seconds=settings.DOWNLOADS_REBUILD_SECONDS)


def next_allowed(schedule, now):
    """The earliest time a rebuild may start: DOWNLOADS_REBUILD_SECONDS after the last one did."""
    if schedule.started_at is None:
        return now
    return max(now, schedule.started_at + interval())


def notice_changes(now=None):
    """Queue a rebuild if the data changed since the last build, unless one is queued.

    Returns the queued task's result, or None when nothing was queued.
    """
    if not settings.DOWNLOADS_AUTO_REBUILD:
        return None
    version = data_version(PRIMARY)
    if version is None:  # no version table yet (a database being set up)
        return None
    now = now or timezone.now()
    schedule = DownloadsSchedule.current()
    if schedule.version == version:
        return None
    if schedule.queued_for is not None and schedule.queued_for + LOST_AFTER > now:
        return None
    run_after = next_allowed(schedule, now)
    with transaction.atomic(using=JOBS):
        # Only the process that moves the row from what it read queues the task.
        claimed = DownloadsSchedule.objects.filter(
            pk=schedule.pk, queued_for=schedule.queued_for
        ).update(queued_for=run_after)
        if not claimed:
            return None
        deferred = run_after > now
        runner = rebuild_downloads.using(run_after=run_after) if deferred else rebuild_downloads
        result = runner.enqueue()
    logger.info("downloads: a rebuild is queued for %s", run_after.isoformat())
    return result


def notice_quietly():
    """notice_changes() for the heartbeat: a failure is logged, and the next beat tries again."""
    try:
        notice_changes()
    except Exception:
        logger.exception("downloads: could not check whether the data changed")


def claim(now):
    """Take the queued rebuild (False if another run took it first), recording what it reads."""
    return bool(
        DownloadsSchedule.objects.filter(pk=1, queued_for__isnull=False).update(
            queued_for=None, started_at=now, version=data_version(PRIMARY) or ""
        )
    )


def rebuild():
    """What the task runs: build every file, unless this rebuild was already run."""
    if not claim(timezone.now()):
        logger.info("downloads: the queued rebuild was already run")
        return None
    return _build_and_record()


def build_now():
    """Build every file at once (`manage.py downloads`), and record it as the last build."""
    DownloadsSchedule.current()
    DownloadsSchedule.objects.filter(pk=1).update(
        started_at=timezone.now(), version=data_version(PRIMARY) or ""
    )
    return _build_and_record()


def _build_and_record():
    try:
        current, written = build(settings.SITE_URL)
    except Exception as error:
        # Read as "not built": the next heartbeat queues another try, no sooner than allowed.
        DownloadsSchedule.objects.filter(pk=1).update(version="", error=str(error)[:2000])
        raise
    DownloadsSchedule.objects.filter(pk=1).update(
        version=current.version, finished_at=timezone.now(), error=""
    )
    return current, written


def absent():
    """Whether some file the page offers has never been built."""
    built = set(DownloadFile.objects.values_list("name", flat=True))
    return any(f.name not in built for f in available())


@task()
def rebuild_downloads():
    rebuild()

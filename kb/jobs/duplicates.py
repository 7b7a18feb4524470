"""Computing the possible duplicates in a worker: queued from the admin's "Recompute".

The rule and the write are kb/domain/duplicates.py's (`recompute`, one transaction);
this is the job around it, the downloads' rebuild's way (kb/jobs/downloads.py): one
row under the jobs alias (`DuplicatesRun`) says whether a run is queued, when the last
one ran and what it found. One conditional UPDATE of that row queues a run, so two
reviewers pressing "Recompute" at once queue one; the task claims the row the same way
when it starts, so a task delivered twice computes once.

`manage.py duplicates` runs the same computation at once, in its own process.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from ..db.routing import JOBS
from ..domain import duplicates
from ..models import DuplicatesRun

logger = logging.getLogger(__name__)

# A computation queued this long ago and never started was lost (its queue emptied,
# say): "Recompute" queues another. Were the first one to run after all, the claim
# lets only one of the two compute.
LOST_AFTER = datetime.timedelta(hours=1)


def queue(user):
    """Queue a computation for `user`; False (nothing queued) when one is waiting already."""
    run = DuplicatesRun.current()
    now = timezone.now()
    waiting = Q(queued_at__isnull=False) & Q(queued_at__gt=now - LOST_AFTER)
    with transaction.atomic(using=JOBS):
        claimed = (
            DuplicatesRun.objects.filter(pk=run.pk)
            .exclude(waiting)
            .update(queued_at=now, queued_by=user.get_username())
        )
        if not claimed:
            return False
        transaction.on_commit(compute_duplicates.enqueue, using=JOBS)
    logger.info("duplicates: a computation is queued by %s", user.get_username())
    return True


def claim(now):
    """Take the queued computation (False if another run took it first)."""
    return bool(
        DuplicatesRun.objects.filter(pk=1, queued_at__isnull=False).update(
            queued_at=None, started_at=now
        )
    )


def run():
    """What the task runs: compute and store, unless this run was already taken."""
    if not claim(timezone.now()):
        logger.info("duplicates: the queued computation was already run")
        return None
    return _compute_and_record()


def run_now():
    """Compute at once (`manage.py duplicates`), and record it as the last run."""
    DuplicatesRun.current()
    DuplicatesRun.objects.filter(pk=1).update(started_at=timezone.now())
    return _compute_and_record()


def _compute_and_record():
    try:
        summary = duplicates.recompute()
    except Exception as error:
        DuplicatesRun.objects.filter(pk=1).update(
            finished_at=timezone.now(), error=str(error)[:2000]
        )
        raise
    DuplicatesRun.objects.filter(pk=1).update(
        finished_at=timezone.now(),
        pairs=summary.pairs,
        comparisons=summary.comparisons,
        seconds=summary.seconds,
        error="",
    )
    logger.info(
        "duplicates: %s pairs from %s comparisons in %.1f s",
        summary.pairs,
        summary.comparisons,
        summary.seconds,
    )
    return summary


@task()
def compute_duplicates():
    run()

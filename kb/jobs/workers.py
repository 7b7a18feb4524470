"""The worker process: who it is, its heartbeat, and the jobs whose worker died.

`manage.py worker` names itself once (`start`), then beats every
HEARTBEAT_SECONDS from a thread of its own (its own database connection), so
that readiness (/readyz/) knows a worker is alive and a job whose worker
stopped beating can be told apart from one that is merely long. Each beat
also checks whether the data changed since the downloads were built
(kb/jobs/downloads.py).
"""

import datetime
import os
import socket
import threading
import uuid

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from ..models import WorkerHeartbeat
from .downloads import notice_quietly

HEARTBEAT_SECONDS = 5

_current = {"id": ""}


def current_worker_id():
    """This process's worker id ("" outside a worker: a test draining the queue)."""
    return _current["id"]


def new_worker_id():
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def max_age():
    """Seconds without a beat after which a worker counts as gone."""
    return getattr(settings, "WORKER_HEARTBEAT_MAX_AGE", 60)


def beat(worker_id, backend, started_at):
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "backend": backend,
            "started_at": started_at,
            "seen_at": now,
        },
    )


class Heartbeat:
    """Beats from a daemon thread until stopped; the row is removed on a clean stop."""

    def __init__(self, worker_id, backend):
        self.worker_id = worker_id
        self.backend = backend
        self.started_at = timezone.now()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="kb-heartbeat", daemon=True)

    def start(self):
        _current["id"] = self.worker_id
        beat(self.worker_id, self.backend, self.started_at)  # before the first job
        self.thread.start()

    def run(self):
        while not self.stopping.wait(HEARTBEAT_SECONDS):
            try:
                close_old_connections()
                beat(self.worker_id, self.backend, self.started_at)
            except Exception:  # a database blip: the next beat tries again
                connections.close_all()
            # The worker is the downloads' only scheduler: it notices that the data
            # changed and queues their rebuild (kb/jobs/downloads.py).
            notice_quietly()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=HEARTBEAT_SECONDS)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


def any_alive():
    """Whether some worker has beaten recently: a queued job will be run."""
    cutoff = timezone.now() - datetime.timedelta(seconds=max_age())
    return WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).exists()


def orphaned(job):
    """Whether an unfinished job's worker has stopped beating: it died mid-job.

    Its write was one transaction, so a worker that died wrote nothing; the
    job is over, though no process is left to say so.
    """
    if job.finished or not job.worker_id:
        return False
    cutoff = timezone.now() - datetime.timedelta(seconds=max_age())
    return not WorkerHeartbeat.objects.filter(worker_id=job.worker_id, seen_at__gte=cutoff).exists()

"""Which database each query goes to: the primary, the read replica, or the jobs alias.

- Jobs (the task queue, each job's progress, the workers' heartbeats) go to
  the "jobs" alias, a connection of their own (config/settings.py, "Jobs
  database"), so that progress is written outside a job's write transaction.
- Reads go to the "replica" alias only inside `reading_from_replica()`,
  which the public pages and the API enter for a request that may read
  stale-by-a-moment rows (kb/ops/replica.py decides); everything else,
  writes, the admin, imports, the worker and any read that must see its own
  write, goes to the primary ("default"): a read inside a transaction of
  the primary's (a request that writes, then reads what it wrote) goes there
  too, even within `reading_from_replica()`.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"
JOBS = "jobs"

# The kb models that live under the jobs alias (kb/models/jobs.py; the bulk
# downloads' manifest and schedule, kb/models/downloads.py; when the possible
# duplicates were computed, kb/models/duplicates.py), and the task queue's app.
# They carry no data version or search index (kb/db/install.py).
JOB_MODELS = frozenset(
    {"job", "workerheartbeat", "downloadfile", "downloadsschedule", "duplicatesrun"}
)
JOB_APPS = frozenset({"django_tasks_database"})

_replica_reads = ContextVar("kb_replica_reads", default=False)


def is_job_model(app_label, model_name):
    return app_label in JOB_APPS or (app_label == "kb" and model_name in JOB_MODELS)


def has_replica():
    return REPLICA in settings.DATABASES


@contextmanager
def reading_from_replica(enabled=True):
    """Within it, reads of the records go to the replica (when one is configured)."""
    token = _replica_reads.set(enabled)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads_requested():
    """Whether the code running now is within `reading_from_replica()`."""
    return _replica_reads.get()


def read_alias():
    """The alias that a read of the records goes to here and now."""
    if _replica_reads.get() and has_replica():
        # Its own uncommitted writes are on the primary only.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA
    return PRIMARY


def jobs_alias(model):
    """The alias of a job model's rows: the jobs connection, but for a migration's
    own queries when the jobs share the primary's database.

    A data migration that forgets `.using()` (django-tasks-db's 0016 does) would
    otherwise write over the second connection while its own transaction, on
    the primary, holds the table: it would wait for itself for ever.
    A migration's models are historical: their registry is not the project's.
    """
    historical = model._meta.apps is not global_apps
    if historical and not getattr(settings, "JOBS_DATABASE_SEPARATE", False):
        return PRIMARY
    return JOBS


class Router:
    def db_for_read(self, model, **hints):
        if is_job_model(model._meta.app_label, model._meta.model_name):
            return jobs_alias(model)
        return read_alias()

    def db_for_write(self, model, **hints):
        if is_job_model(model._meta.app_label, model._meta.model_name):
            return jobs_alias(model)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read there may be
        # related to one read on the primary. Jobs relate to nothing across.
        records = {PRIMARY, REPLICA}
        if obj1._state.db in records and obj2._state.db in records:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == REPLICA:
            return False  # read-only: it replays the primary's migrations
        separate = getattr(settings, "JOBS_DATABASE_SEPARATE", False)
        if not separate:
            # One database under two aliases: migrate it once, as the primary.
            return db == PRIMARY
        if app_label in JOB_APPS:
            return db == JOBS
        if app_label == "kb" and model_name is not None:
            return (db == JOBS) == (model_name in JOB_MODELS)
        # kb's SQL and data migrations, and every other app, on the primary only.
        return db == PRIMARY

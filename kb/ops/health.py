"""Liveness (/healthz/) and readiness (/readyz/), on django-health-check.

Liveness says the process answers requests: no check, no database, no cache,
so that a database outage never gets every web process restarted. Readiness
says this process can serve: each database alias opens a fresh connection
and answers `SELECT 1`, the default cache stores and reads back a key, every
alias that migrates has no unapplied migration, and a worker has beaten
within WORKER_HEARTBEAT_MAX_AGE seconds.

Both answer JSON whatever the Accept header (the library would negotiate
HTML, text or feeds, and 406 for anything else), 503 when a check fails (the
library says 500, which reads as a bug in the app rather than "not ready"),
and never from a cache. A body names each check and, for a failure, a short
reason written here: never an exception's text, which can hold a host, a
port, a file path or a DSN.

The migrations and heartbeat checks read on the request's own thread, as
Django's ORM does in an async view, so that they use that thread's
connections (closed with the request) rather than leaving one open in each
of the executor's threads. The database checks do the opposite on purpose:
a connection of their own, opened and closed by the probe, proves that a new
connection can be made (a server that is down, or out of connections, fails
it even while an old connection lingers).
"""

import asyncio
import dataclasses
import datetime

from asgiref.sync import sync_to_async
from django.apps import apps
from django.conf import settings
from django.db import connections, router
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from ..db.routing import JOBS, PRIMARY, REPLICA
from ..models import WorkerHeartbeat


class Unready(ServiceUnavailable):
    """A failed check whose message was written here, and so may be shown."""


def migrating_aliases():
    """The database aliases that `migrate` runs on: some model may be created there."""
    models = apps.get_models(include_auto_created=True)
    return [
        alias
        for alias in connections
        if any(router.allow_migrate_model(alias, model) for model in models)
    ]


@dataclasses.dataclass
class Database(checks.Database):
    @property
    def name(self):
        return f"database:{self.alias}"

    def run(self):
        try:
            super().run()
        except Exception as e:
            raise Unready("database unreachable") from e


@dataclasses.dataclass
class Cache(checks.Cache):
    @property
    def name(self):
        return f"cache:{self.alias}"

    async def run(self):
        # django-redis raises its own ConnectionInterrupted, which the library
        # lets through; with IGNORE_EXCEPTIONS the read back simply misses.
        try:
            await super().run()
        except Exception as e:
            raise Unready("cache unavailable") from e


@dataclasses.dataclass
class OnRequestThread(HealthCheck):
    """A check whose queries run on the request's thread and connections (see above)."""

    async def run(self):
        await sync_to_async(self.probe, thread_sensitive=True)()

    def probe(self):
        raise NotImplementedError


@dataclasses.dataclass
class Migrations(OnRequestThread):
    alias: str = PRIMARY

    @property
    def name(self):
        return f"migrations:{self.alias}"

    def probe(self):
        try:
            executor = MigrationExecutor(connections[self.alias])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as e:
            raise Unready("migration history unreadable") from e
        if plan:
            raise Unready(f"{len(plan)} unapplied migration(s)")


@dataclasses.dataclass
class WorkerHeartbeatCheck(OnRequestThread):
    @property
    def name(self):
        return "worker"

    def probe(self):
        max_age = settings.WORKER_HEARTBEAT_MAX_AGE
        since = timezone.now() - datetime.timedelta(seconds=max_age)
        try:
            alive = WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()
        except Exception as e:
            raise Unready("worker heartbeat unreadable") from e
        if not alive:
            raise Unready(f"no worker seen within {max_age} seconds")


def reason(error):
    """What a body may say of a failure: our own words, or the library's two fixed ones."""
    if isinstance(error, Unready):
        return error.message
    if isinstance(error, ServiceUnavailable):
        return "timed out"  # HealthCheck.get_result's own, past the check's timeout
    return "failed"  # HealthCheck.get_result's "unknown error"


class HealthView(HealthCheckView):
    """Runs `get_checks()` and answers 200 or 503 in JSON, never cached (see above)."""

    def get_checks(self):
        return iter(())

    async def get(self, request, *args, **kwargs):
        # The library's dispatch() adds the never-cache headers and Vary: Accept.
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        failed = any(result.error for result in self.results)
        return self.render_to_response_json(503 if failed else 200)

    def render_to_response_json(self, status):
        results = {}
        for result in self.results:
            if result.error is None:
                results[result.check.name] = {"status": "ok"}
            else:
                results[result.check.name] = {"status": "error", "reason": reason(result.error)}
        return JsonResponse(
            {"status": "error" if status != 200 else "ok", "checks": results}, status=status
        )


class LivenessView(HealthView):
    """The process answers: nothing else is looked at."""


class ReadinessView(HealthView):
    """Databases, cache, migrations and a live worker: the settings of this request's moment."""

    def get_checks(self):
        aliases = [PRIMARY, JOBS]
        if REPLICA in settings.DATABASES:
            aliases.append(REPLICA)
        for alias in aliases:
            yield Database(alias=alias)
        yield Cache(alias="default")
        for alias in migrating_aliases():
            yield Migrations(alias=alias)
        yield WorkerHeartbeatCheck()


liveness = LivenessView.as_view()
readiness = ReadinessView.as_view()

"""Liveness (/healthz/) and readiness (/readyz/): what each checks, and what a failure says.

Every failure here is real: a database alias pointed at a port where nothing
listens (or, on SQLite, at a file that cannot be opened), a Redis cache on such
a port, a migration undone with `migrate`, a worker heartbeat that is old or
absent. The settings are put back after each test.
"""

import contextlib
import datetime
import json
import socket
import uuid

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connections, router
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kb.models import WorkerHeartbeat

BOTH = pytest.mark.django_db(databases=["default", "jobs"])
SECRET = "hunter2-" + uuid.uuid4().hex
NEVER_CACHED = {"no-cache", "no-store", "must-revalidate", "max-age=0"}


def migrating():
    """The aliases `migrate` runs on: the jobs alias only when it is a database of its own."""
    return ["default", "jobs"] if settings.JOBS_DATABASE_SEPARATE else ["default"]


def all_checks():
    return {
        "database:default",
        "database:jobs",
        "cache:default",
        *(f"migrations:{alias}" for alias in migrating()),
        "worker",
    }


def beat(seconds_ago=0):
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id=f"test-{uuid.uuid4().hex[:8]}",
        hostname="test-host",
        pid=4242,
        backend="database",
        started_at=now - datetime.timedelta(seconds=seconds_ago + 30),
        seen_at=now - datetime.timedelta(seconds=seconds_ago),
    )


def probe(client, path="/readyz/", **headers):
    response = client.get(path, **headers)
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = json.loads(response.content)
    assert set(body) == {"status", "checks"}
    for check in body["checks"].values():
        assert check == {"status": "ok"} or set(check) == {"status", "reason"}
    return response, body


def failing(body):
    return {name for name, check in body["checks"].items() if check["status"] != "ok"}


@contextlib.contextmanager
def closed_port():
    """A port on 127.0.0.1 that refuses connections: bound, never listening, held meanwhile."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@contextlib.contextmanager
def unreachable(alias, port):
    """New connections of `alias` fail; the test's own, already open, carry on.

    The alias's settings dict is the one every new connection is made from, in
    any thread: changed in place, and put back key by key whatever happens.
    """
    entry = connections.settings[alias]
    saved = {key: entry[key] for key in ("NAME", "HOST", "PORT", "PASSWORD", "USER")}
    if entry["ENGINE"].endswith("sqlite3"):
        change = {"NAME": f"/nonexistent-{SECRET}/entente.sqlite3"}
    else:
        change = {"HOST": "127.0.0.1", "PORT": str(port), "PASSWORD": SECRET, "USER": "probe"}
    try:
        entry.update(change)
        yield change
    finally:
        entry.update(saved)


def assert_no_secret(response, *secrets):
    text = response.content.decode()
    for secret in secrets:
        assert str(secret) not in text, secret


# --- Liveness ----------------------------------------------------------------------


def test_liveness_answers_without_touching_a_database(client):
    # No django_db mark: pytest-django fails any query of this test's thread, and
    # a session cookie would be read from the database if anything looked at it.
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32
    for path in ("/healthz/", "/healthz"):
        response, body = probe(client, path)
        assert response.status_code == 200
        assert body == {"status": "ok", "checks": {}}
        assert not response.cookies


# --- Readiness: all up ----------------------------------------------------------------


@BOTH
def test_readiness_is_200_with_every_check_up(client):
    beat(seconds_ago=5)
    response, body = probe(client)
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == all_checks()
    assert failing(body) == set()
    assert not response.cookies
    assert {part.strip() for part in response["Cache-Control"].split(",")} >= NEVER_CACHED
    # A probe that leaves out the slash runs the checks too, rather than being redirected.
    response, body = probe(client, "/readyz")
    assert response.status_code == 200 and set(body["checks"]) == all_checks()


@BOTH
def test_readiness_with_the_redis_cache_up(client, settings):
    prefix = f"test-health-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        },
    }
    beat()
    response, body = probe(client)
    assert response.status_code == 200, body
    assert body["checks"]["cache:default"] == {"status": "ok"}
    # The probe wrote through Redis, under this deployment's prefix, a key that expires.
    cache = caches["default"]
    keys = cache.keys("djangohealthcheck_test:*")
    assert keys
    assert all(0 < cache.ttl(key) <= 5 for key in keys)
    cache.delete_many(keys)


@BOTH
@pytest.mark.parametrize(
    "accept",
    ["text/html", "text/plain", "application/xml", "application/rss+xml", "*/*", "bogus;;", ""],
)
@pytest.mark.parametrize("up", [True, False], ids=["up", "down"])
def test_json_whatever_the_accept_header(client, accept, up):
    if up:
        beat()
    for path in ("/healthz/", "/readyz/", "/readyz/?format=text"):
        response, body = probe(client, path, HTTP_ACCEPT=accept)
        expected = 200 if up or path == "/healthz/" else 503
        assert response.status_code == expected, (path, body)
        assert "no-store" in response["Cache-Control"]


# --- Readiness: each failure ------------------------------------------------------------


@BOTH
def test_a_missing_heartbeat_is_503_naming_the_worker(client):
    response, body = probe(client)
    assert response.status_code == 503
    assert body["status"] == "error"
    assert failing(body) == {"worker"}
    assert body["checks"]["worker"] == {
        "status": "error",
        "reason": "no worker seen within 60 seconds",
    }


@BOTH
def test_a_stale_heartbeat_is_503_until_the_max_age_allows_it(client, settings):
    beat(seconds_ago=61)
    response, body = probe(client)
    assert response.status_code == 503
    assert failing(body) == {"worker"}

    settings.WORKER_HEARTBEAT_MAX_AGE = 120
    response, body = probe(client)
    assert response.status_code == 200, body

    beat(seconds_ago=0)  # a second worker, alive: one is enough
    settings.WORKER_HEARTBEAT_MAX_AGE = 10
    response, body = probe(client)
    assert response.status_code == 200, body


@pytest.mark.django_db(databases=["default", "jobs"], transaction=True)
def test_an_unapplied_migration_is_503_naming_its_database(client):
    # The task queue's last migration, undone where the router creates its table.
    [alias] = [a for a in migrating() if router.allow_migrate_model(a, DBTaskResult)]
    label = DBTaskResult._meta.app_label
    recorder = MigrationRecorder(connections[alias])
    latest = max(name for app, name in recorder.applied_migrations() if app == label)
    previous = f"{int(latest[:4]) - 1:04d}"
    beat()
    try:
        call_command("migrate", label, previous, database=alias, verbosity=0)
        assert (label, latest) not in recorder.applied_migrations()
        response, body = probe(client)
        assert response.status_code == 503
        assert failing(body) == {f"migrations:{alias}"}
        assert body["checks"][f"migrations:{alias}"]["reason"] == "1 unapplied migration(s)"
    finally:
        call_command("migrate", label, database=alias, verbosity=0)
    response, body = probe(client)
    assert response.status_code == 200, body


@BOTH
@pytest.mark.parametrize("alias", ["default", "jobs"])
def test_an_unreachable_database_is_503_naming_it_and_no_secret(client, alias):
    beat()
    with closed_port() as port, unreachable(alias, port) as change:
        response, body = probe(client)
    assert response.status_code == 503
    assert failing(body) == {f"database:{alias}"}
    assert body["checks"][f"database:{alias}"] == {
        "status": "error",
        "reason": "database unreachable",
    }
    assert_no_secret(response, SECRET, *change.values())
    # Put back, the alias answers again.
    response, body = probe(client)
    assert response.status_code == 200, body


@BOTH
@pytest.mark.parametrize(
    "backend, options",
    [
        ("django_redis.cache.RedisCache", {}),
        # What production sets: a failed command is a miss, not an error.
        ("django_redis.cache.RedisCache", {"IGNORE_EXCEPTIONS": True}),
        ("django.core.cache.backends.redis.RedisCache", {}),
    ],
)
def test_a_cache_down_is_503_naming_it_and_no_secret(client, settings, backend, options):
    beat()
    with closed_port() as port:
        location = f"redis://:{SECRET}@127.0.0.1:{port}/0"
        settings.CACHES = {
            **settings.CACHES,
            "default": {"BACKEND": backend, "LOCATION": location, "OPTIONS": options},
        }
        response, body = probe(client)
    assert response.status_code == 503
    assert failing(body) == {"cache:default"}
    assert body["checks"]["cache:default"] == {"status": "error", "reason": "cache unavailable"}
    assert_no_secret(response, SECRET, location, f":{port}")


@BOTH
def test_a_configured_replica_is_checked_and_never_migrated(client, django_db_blocker):
    beat()
    # Django's test case refuses connections to aliases it was not told of
    # before the test began; the replica is added here, so it is let through.
    connections.settings["replica"] = {**connections.settings["default"]}
    try:
        with django_db_blocker.unblock():
            response, body = probe(client)
            assert response.status_code == 200, body
            assert set(body["checks"]) == all_checks() | {"database:replica"}
            with closed_port() as port, unreachable("replica", port):
                response, body = probe(client)
        assert response.status_code == 503
        assert failing(body) == {"database:replica"}
    finally:
        del connections.settings["replica"]
        with contextlib.suppress(AttributeError):
            del connections["replica"]
    assert "replica" not in settings.DATABASES


# --- What stands in front of the views ----------------------------------------------------


@BOTH
def test_probes_are_not_throttled(client, settings):
    settings.API_ANON_THROTTLE_RATE = "2/minute"
    caches["default"].clear()
    beat()
    try:
        api = [client.get("/api/v1/topics/").status_code for _ in range(4)]
        assert api[-1] == 429  # the rate bites where it applies
        for _ in range(6):
            assert probe(client)[0].status_code == 200
            assert probe(client, "/healthz/")[0].status_code == 200
    finally:
        caches["default"].clear()


@BOTH
def test_probes_over_plain_http_are_not_redirected_to_https(settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # its middleware is built at its first request, with this setting
    beat()
    assert client.get("/en/").status_code == 301
    for path in ("/healthz/", "/healthz", "/readyz/", "/readyz"):
        response, body = probe(client, path)
        assert response.status_code == 200, (path, body)

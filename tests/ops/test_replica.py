"""The read replica against a real PostgreSQL hot standby (tests/ops/replica.sh sets one up).

Skipped without DATABASE_REPLICA_URL; with REPLICA_REQUIRED=1 (the script
sets it) a missing replica fails instead. The settings give the "replica"
alias TEST MIRROR = "default", so the test runner creates nothing on the
read-only server, and the alias would then reach the primary's test
database: the `replica` fixture points it at the real standby, where that
database arrives by streaming replication like every other write.

Each test commits its rows (transaction=True): the standby sees committed
WAL only. To show where a read went, the standby's replay is paused: a row
committed then is on the primary and not yet on the replica.
"""

import logging
import os
import socket
import statistics
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, OperationalError, connections, router, transaction
from django.test import Client

from kb import models
from kb.db.routing import reading_from_replica
from kb.db.version import data_version
from kb.ops import replica as replica_middleware
from kb.ops.replica import PIN_COOKIE
from tests import factories
from tests.support import _form_data, _url

if "replica" not in settings.DATABASES:
    if os.environ.get("REPLICA_REQUIRED") == "1":
        pytest.fail(
            "REPLICA_REQUIRED=1 but DATABASE_REPLICA_URL is not set: these tests must run",
            pytrace=False,
        )
    pytest.skip(
        "DATABASE_REPLICA_URL is not set (tests/ops/replica.sh starts a standby)",
        allow_module_level=True,
    )

pytestmark = [
    pytest.mark.replica,
    pytest.mark.django_db(transaction=True, databases=["default", "jobs", "replica"]),
]

TIMEOUT = 15  # seconds for the standby to catch up; it takes milliseconds


def query(alias, sql, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def eventually(check, timeout=TIMEOUT, interval=0.005):
    """Poll `check()` until it is truthy; its last value."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {timeout} s: {check.__doc__ or check}")
        time.sleep(interval)
    return value


def caught_up():
    """The standby has replayed everything the primary has written so far."""
    target = query("default", "SELECT pg_current_wal_lsn()::text")
    eventually(
        lambda: query("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]),
    )


@pytest.fixture
def replica():
    """The "replica" alias on the real standby, holding the primary's test database."""
    connection = connections["replica"]
    mirrored = connection.settings_dict  # the primary's own dict: never change it in place
    standby = settings.DATABASES["replica"]  # from DATABASE_REPLICA_URL
    connection.close()
    connection.settings_dict = {
        **mirrored,
        "HOST": standby["HOST"],
        "PORT": standby["PORT"],
        "USER": standby["USER"],
        "PASSWORD": standby["PASSWORD"],
        "NAME": connections["default"].settings_dict["NAME"],
    }

    def reachable():
        """the standby serves the test database"""
        try:
            connection.ensure_connection()
        except OperationalError:  # not replayed its creation yet
            connection.close()
            return False
        return True

    replica_middleware._down_until = 0.0  # no failure remembered from another test
    try:
        eventually(reachable)
        assert query("replica", "SELECT pg_is_in_recovery()") is True
        assert query("default", "SELECT pg_is_in_recovery()") is False
        caught_up()
        yield connection
    finally:
        try:
            query("replica", "SELECT pg_wal_replay_resume()")
        finally:
            connection.close()
            connection.settings_dict = mirrored
            replica_middleware._down_until = 0.0


class Replay:
    """Pause the standby's replay (rows committed meanwhile stay on the primary), and resume it."""

    def pause(self):
        caught_up()
        query("replica", "SELECT pg_wal_replay_pause()")
        eventually(lambda: query("replica", "SELECT pg_get_wal_replay_pause_state()") == "paused")

    def resume(self):
        query("replica", "SELECT pg_wal_replay_resume()")
        caught_up()


@pytest.fixture
def replay(replica):
    return Replay()  # `replica` resumes it whatever happens


def published_on_replica(slug):
    sql = "SELECT count(*) FROM kb_topic WHERE slug = %s AND status = 'published'"
    return query("replica", sql, [slug]) == 1


def home_counts(client):
    return {c["url_name"]: c["count"] for c in client.get("/en/").context["counts"]}


def test_a_committed_row_reads_back_through_the_replica_alias(replica):
    topic = factories.TopicFactory()
    eventually(lambda: published_on_replica(topic.slug))
    with reading_from_replica():
        found = models.Topic.objects.get(slug=topic.slug)
        assert query(found._state.db, "SELECT pg_is_in_recovery()") is True
    assert found._state.db == "replica"
    assert found.name_en == topic.name_en


def test_public_reads_are_the_replicas_and_a_writer_reads_its_own_write(
    replica, replay, staff_client
):
    client = Client()  # the public's, beside the editor's
    topic = factories.TopicFactory(status=models.Status.DRAFT)
    page, api = topic.get_absolute_url(), f"/api/v1/topics/{topic.slug}/"
    change = _url(models.Topic, "change", topic.pk)
    form = _form_data(staff_client.get(change))
    form["status"] = models.Status.PUBLISHED
    form["name_en"] = "Maritime security"
    replay.pause()

    saved = staff_client.post(change, form)

    assert saved.status_code == 302
    assert models.Topic.objects.using("default").get(pk=topic.pk).status == "published"
    assert not published_on_replica(topic.slug)  # the standby still has the draft
    # The public and the API read the replica: not published yet.
    assert client.get(page).status_code == 404
    assert client.get(api).status_code == 404
    # The admin reads the primary.
    assert "Maritime security" in staff_client.get(change).content.decode()
    # The editor's save pinned them to the primary: they see their page as saved.
    cookie = saved.cookies[PIN_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == settings.SESSION_COOKIE_SAMESITE
    assert cookie["max-age"] == settings.REPLICA_PIN_SECONDS
    shown = staff_client.get(page)
    assert shown.status_code == 200
    assert "Maritime security" in shown.content.decode()
    assert staff_client.get(api).json()["name"] == "Maritime security"
    # A forged pin pins nothing.
    value = cookie.value
    client.cookies[PIN_COOKIE] = value[:-1] + ("A" if value[-1] != "A" else "B")
    assert client.get(page).status_code == 404
    del client.cookies[PIN_COOKIE]

    replay.resume()

    assert client.get(page).status_code == 200
    assert client.get(api).json()["name"] == "Maritime security"


def test_etags_and_counts_are_keyed_by_the_replicas_data_version(replica, replay, client):
    factories.TopicFactory.create_batch(2)
    caught_up()
    before = client.get("/api/v1/topics/")
    etag, count = before["ETag"], before.json()["count"]
    assert home_counts(client)["kb:topic-list"] == count
    replay.pause()

    factories.TopicFactory()

    assert data_version("default") != data_version("replica")
    # The replica's rows under the replica's version: the same ETag, still valid.
    during = client.get("/api/v1/topics/")
    assert during["ETag"] == etag
    assert during.json()["count"] == count
    assert client.get("/api/v1/topics/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Counted on the replica, cached under the replica's version.
    assert home_counts(client)["kb:topic-list"] == count

    replay.resume()

    # The new version renews the ETag and every count cached under the old one.
    after = client.get("/api/v1/topics/")
    assert after["ETag"] != etag
    assert after.json()["count"] == count + 1
    assert client.get("/api/v1/topics/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert home_counts(client)["kb:topic-list"] == count + 1


def test_writes_go_to_the_primary_even_within_replica_reads(replica):
    topic = factories.TopicFactory()
    eventually(lambda: published_on_replica(topic.slug))
    with reading_from_replica():
        assert router.db_for_write(models.Topic) == "default"
        found = models.Topic.objects.get(slug=topic.slug)
        assert found._state.db == "replica"
        found.name_en = "Renamed"
        found.save()  # on the standby this would fail: it is read-only
        created = models.Topic.objects.create(slug="written-within", name_en="Written")
        # A read inside the primary's transaction sees that transaction's writes.
        with transaction.atomic():
            models.Topic.objects.filter(pk=created.pk).update(name_en="Seen")
            assert models.Topic.objects.get(pk=created.pk).name_en == "Seen"
    assert models.Topic.objects.using("default").get(pk=topic.pk).name_en == "Renamed"
    assert models.Topic.objects.using("default").filter(slug="written-within").exists()
    # The alias really is the read-only standby.
    with pytest.raises(DatabaseError, match="read-only"):
        models.Topic.objects.using("replica").create(slug="refused", name_en="Refused")


def test_a_replica_that_is_down_leaves_the_reads_to_the_primary(replica, caplog):
    topic = factories.TopicFactory()
    page, api = topic.get_absolute_url(), f"/api/v1/topics/{topic.slug}/"
    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        refused = probe.getsockname()[1]
    standby = replica.settings_dict
    replica.close()
    replica.settings_dict = {**standby, "PORT": refused}
    client = Client()
    try:
        with caplog.at_level(logging.WARNING, logger="kb.ops.replica"):
            pages = [client.get(page), client.get(api), client.get("/en/")]
    finally:
        replica.close()
        replica.settings_dict = standby
    assert [r.status_code for r in pages] == [200, 200, 200]
    assert pages[1].json()["slug"] == topic.slug
    # Tried once, then left alone for RETRY_SECONDS: one failed connection, not one a request.
    warnings = [r.getMessage() for r in caplog.records if r.name == "kb.ops.replica"]
    assert len(warnings) == 1
    assert "The read replica is unreachable; reads go to the primary" in warnings[0]
    # Once the retry is due, the replica serves again.
    replica_middleware._down_until = 0.0
    with reading_from_replica():
        assert models.Topic.objects.get(slug=topic.slug)._state.db == "replica"
    assert client.get(page).status_code == 200
    assert replica_middleware._down_until == 0.0


def ms(seconds):
    return "n/a (caught up)" if seconds is None else f"{seconds * 1000:.2f} ms"


def interval_ms(interval):
    return ms(None if interval is None else interval.total_seconds())


def test_the_pin_outlasts_the_replication_lag(replica):
    """Commit to visible on the standby: 50 single-row commits and one import-sized one."""
    lags = []
    for _ in range(50):
        topic = factories.TopicFactory()  # autocommit: committed on return
        committed = time.perf_counter()
        # Polled back to back: each poll is a round trip of a fraction of a millisecond.
        eventually(lambda slug=topic.slug: published_on_replica(slug), interval=0)
        lags.append(time.perf_counter() - committed)
    with transaction.atomic():
        batch = factories.TopicFactory.create_batch(1000)
    committed = time.perf_counter()
    eventually(lambda: published_on_replica(batch[-1].slug), interval=0)
    bulk = time.perf_counter() - committed
    # The primary's own measure, for the standby named by its cluster_name.
    standby = query("replica", "SHOW cluster_name")
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT write_lag, flush_lag, replay_lag FROM pg_stat_replication "
            "WHERE application_name = %s",
            [standby],
        )
        write_lag, flush_lag, replay_lag = cursor.fetchone()
    report = "\n".join(
        [
            f"commit on the primary to visible on the replica, {len(lags)} single-row commits: "
            f"median {ms(statistics.median(lags))}, max {ms(max(lags))}",
            f"one commit of {len(batch)} rows: {ms(bulk)}",
            f"pg_stat_replication ({standby}): write_lag {interval_ms(write_lag)}, "
            f"flush_lag {interval_ms(flush_lag)}, replay_lag {interval_ms(replay_lag)}",
            f"REPLICA_PIN_SECONDS: {settings.REPLICA_PIN_SECONDS}",
        ]
    )
    target = os.environ.get("REPLICA_LAG_REPORT")
    if target:
        Path(target).write_text(report + "\n", encoding="utf-8")
    print(report)
    assert max([*lags, bulk]) < settings.REPLICA_PIN_SECONDS

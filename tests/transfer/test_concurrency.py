"""Imports and admin actions at the same time, on the real database: threads,
each with its own connection, committing for real (`transaction=True`).

Where a test needs the writers to overlap, a thread pauses at its first write
statement (`connection.execute_wrapper`, Django's hook around each query),
inside its transaction: the database itself is never replaced or mocked.
"""

import contextlib
import threading
import time

import pytest
import tablib
from django.db import connection, connections, transaction
from django.urls import reverse
from reversion.models import Version

from kb import models
from kb.transfer.formats import CSV
from kb.transfer.resources import RESOURCES
from tests.support import _form_data, _url, admin_import, run_queued_jobs

pytestmark = pytest.mark.django_db(transaction=True)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer at a time: no deadlocks"
)


@pytest.fixture
def boss(django_user_model):
    # Transactional tests empty the tables after each test, migration data (the
    # editorial groups) included: a superuser needs none.
    return django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")


def organisations_file(rows):
    data = tablib.Dataset(headers=["slug", "name_en", "kind"])
    for slug, name in rows:
        data.append([slug, name, "police"])
    return CSV().export_data(data)


def run_import(text, user, name="file.csv"):
    dataset = CSV(encoding="utf-8").create_dataset(text)
    return RESOURCES[models.Organisation]().import_data(
        dataset, dry_run=False, user=user, file_name=name
    )


def assert_clean(result):
    problems = [str(e.error) for e in result.base_errors] + [
        str(row.error_dict) for row in result.invalid_rows
    ]
    assert not problems, problems


def in_threads(*functions, timeout=120):
    """Run each function in a thread of its own (its own connection); return their results."""
    results, errors = [None] * len(functions), [None] * len(functions)

    def run(i, function):
        try:
            results[i] = function()
        except BaseException as e:  # re-raised in the test's thread
            errors[i] = e
        finally:
            # This thread's connections: the jobs' own too (a job's state and
            # progress), which, left open, kept the test database from being dropped.
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    for error in errors:
        if error is not None:
            raise error
    return results


def writes_to(sql, table):
    return sql.lstrip().upper().startswith(("INSERT", "UPDATE")) and f'"{table}"' in sql


def pausing_at_first_write(table, pause):
    """Run `pause()` once, just after this thread's first INSERT or UPDATE into `table`."""
    paused = False

    def wrapper(execute, sql, params, many, context):
        nonlocal paused
        result = execute(sql, params, many, context)
        if not paused and writes_to(sql, table):
            paused = True
            pause()
        return result

    return connection.execute_wrapper(wrapper)


def both_writing(barrier):
    """Each writer waits, once inside its write, until the other is too, or gives up.

    Without the fixes both get there, each holding the rows of its first
    statement; with them the second one waits for the first to commit, and
    the first goes on after the barrier's timeout.
    """

    def pause():
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    return pause


def importing(text, user, pause, name):
    def run():
        with pausing_at_first_write("kb_organisation", pause):
            return run_import(text, user, name=name)

    return run


def test_two_imports_of_the_same_rows_in_opposite_orders_both_succeed(boss):
    """On PostgreSQL these deadlocked: each import's first UPDATE held the rows
    the other's second UPDATE needed (bulk_update writes 500 rows a statement)."""
    slugs = [f"organisation-{i:04}" for i in range(1000)]
    assert_clean(run_import(organisations_file((s, s) for s in slugs), boss))
    forwards = organisations_file((s, f"Forwards {s}") for s in slugs)
    backwards = organisations_file((s, f"Backwards {s}") for s in reversed(slugs))
    barrier = threading.Barrier(2, timeout=3)
    results = in_threads(
        importing(forwards, boss, both_writing(barrier), "forwards.csv"),
        importing(backwards, boss, both_writing(barrier), "backwards.csv"),
    )
    for result in results:
        assert_clean(result)
        assert result.totals["update"] == 1000
    # One wrote after the other: every row has the last one's name.
    names = set(models.Organisation.objects.values_list("name_en", flat=True))
    assert {name.split()[0] for name in names} in ({"Forwards"}, {"Backwards"})
    assert Version.objects.count() == 3000  # created, then each import's revision


def test_two_imports_of_unrelated_rows_both_succeed(boss):
    """On SQLite the second failed with "database is locked"."""
    barrier = threading.Barrier(2, timeout=3)
    results = in_threads(
        importing(
            organisations_file((f"a-{i}", f"A {i}") for i in range(600)),
            boss,
            both_writing(barrier),
            "a.csv",
        ),
        importing(
            organisations_file((f"b-{i}", f"B {i}") for i in range(600)),
            boss,
            both_writing(barrier),
            "b.csv",
        ),
    )
    for result in results:
        assert_clean(result)
        assert result.totals["new"] == 600
    assert models.Organisation.objects.count() == 1200


def publish_target(client, target):
    return client.post(
        _url(models.Organisation, "changelist"),
        {"action": "publish_selected", "_selected_action": [target.pk]},
    )


def save_target_form(client, target):
    # The change form reads the record in its transaction, then writes it.
    data = _form_data(client.get(_url(models.Organisation, "change", target.pk)))
    data["name_en"] = "Target, renamed"
    return client.post(_url(models.Organisation, "change", target.pk), data)


@pytest.mark.parametrize("admin_write", [publish_target, save_target_form], ids=["action", "form"])
def test_admin_writes_during_an_import_wait_for_it(client, boss, admin_write):
    """On SQLite, admin writes while an import was writing answered 500 ("database is locked")."""
    assert_clean(run_import(organisations_file([("target", "Target"), ("other", "Other")]), boss))
    models.Organisation.objects.update(status=models.Status.DRAFT)
    target = models.Organisation.objects.get(slug="target")
    writing, release = threading.Event(), threading.Event()

    def pause():
        writing.set()
        release.wait(10)

    def act():
        assert writing.wait(10), "the import never started writing"
        # The import holds its transaction a moment longer than the request takes to write.
        threading.Timer(1.0, release.set).start()
        return admin_write(client, target)

    client.force_login(boss)  # before: logging in writes the session

    file = organisations_file((f"new-{i}", f"New {i}") for i in range(50))
    result, response = in_threads(importing(file, boss, pause, "new.csv"), act)
    assert_clean(result)
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.name_en) in [
        (models.Status.PUBLISHED, "Target"),
        (models.Status.DRAFT, "Target, renamed"),
    ]
    assert models.Organisation.objects.count() == 52


@postgresql_only
@pytest.mark.parametrize("deadlocks", [1, 2], ids=["once", "twice"])
def test_a_write_that_deadlocks_is_tried_again(boss, deadlocks):
    """PostgreSQL aborts one side of a deadlock; the import, when it is that side,
    runs its write again once the other side has committed. Each lost try pauses
    before the next, and a third try is made: losing twice in a row is what a
    retry without a pause met on a busy machine (it took its first row back
    before the winner, waiting for that row, woke)."""
    assert_clean(run_import(organisations_file([("first", "First"), ("second", "Second")]), boss))
    first, second = models.Organisation.objects.order_by("pk")
    update = organisations_file([("first", "First again"), ("second", "Second again")])
    results = []
    thread = threading.Thread(
        target=lambda: results.extend(in_threads(lambda: run_import(update, boss, "again.csv")))
    )
    rows = models.Organisation.objects.select_for_update()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The import's side (1 s, the default) looks for the deadlock first, and loses.
            cursor.execute("SET LOCAL deadlock_timeout = '10s'")
        rows.get(pk=second.pk)
        thread.start()
        for lost in range(1, deadlocks + 1):
            wait_until_another_session_waits_for_a_lock()
            # Take the row the import holds, while it waits for this one's: a deadlock.
            # Before the last, inside a savepoint whose rollback gives the row back:
            # the import's next try takes it again and waits for `second` again.
            savepoint = transaction.savepoint() if lost < deadlocks else None
            rows.get(pk=first.pk)
            if savepoint is not None:
                transaction.savepoint_rollback(savepoint)
    thread.join(60)
    [result] = results
    assert_clean(result)
    assert set(models.Organisation.objects.values_list("name_en", flat=True)) == {
        "First again",
        "Second again",
    }
    assert Version.objects.filter(revision__comment="Imported from again.csv").count() == 2


@postgresql_only
def test_a_write_tried_again_creates_its_new_records_again(boss):
    """A deadlock after the file's new records were inserted: the second try
    inserts them again, the child pointing at its parent's new key."""
    from tests import factories as f

    topic = f.TopicFactory(slug="cybercrime")
    existing = f.EventFactory(slug="existing", name_en="Existing")
    existing.topics.add(topic)
    data = tablib.Dataset(headers=["slug", "name_en", "kind", "parent", "topics"])
    data.append(["child", "Child", "bilateral_meeting", "parent-new", "cybercrime"])
    data.append(["parent-new", "Parent", "general_assembly", "", ""])
    data.append(["existing", "Existing, renamed", "conference", "", "cybercrime"])
    text = CSV().export_data(data)

    def write():
        dataset = CSV(encoding="utf-8").create_dataset(text)
        return RESOURCES[models.Event]().import_data(
            dataset, dry_run=False, user=boss, file_name="events.csv"
        )

    results = []
    thread = threading.Thread(target=lambda: results.extend(in_threads(write)))
    through = models.Event.topics.through
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL deadlock_timeout = '10s'")
        # The import replaces these rows after inserting its new events...
        list(through.objects.select_for_update().filter(event=existing))
        thread.start()
        wait_until_another_session_waits_for_a_lock()
        # ... while holding the event they belong to, which this now asks for.
        models.Event.objects.select_for_update().get(pk=existing.pk)
    thread.join(60)
    [result] = results
    assert_clean(result)
    child = models.Event.objects.get(slug="child")
    assert child.parent == models.Event.objects.get(slug="parent-new")
    assert [t.slug for t in child.topics.all()] == ["cybercrime"]
    assert models.Event.objects.get(slug="existing").name_en == "Existing, renamed"
    assert Version.objects.filter(revision__comment="Imported from events.csv").count() == 3


def wait_until_another_session_waits_for_a_lock(timeout=20):
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # A transaction sees the activity as when it first looked, unless told to look again.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the import never waited for the lock")


def test_an_import_that_loses_to_another_write_says_so_plainly(client, boss):
    """The confirm step, while another transaction holds what it must write."""
    assert_clean(run_import(organisations_file([("dgsn", "DGSN")]), boss))
    client.force_login(boss)
    data = organisations_file([("dgsn", "DGSN, renamed")])
    checked = admin_import(client, models.Organisation, data, name="rename.csv", check_first=True)
    queued = client.post(reverse("admin:kb_job_import", args=(checked.context["job"].pk,)))
    holding, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            models.Organisation.objects.filter(slug="dgsn").update(website="https://example.org")
            holding.set()
            release.wait(30)

    def run_the_job():
        assert holding.wait(10)
        try:
            give_up_waiting_for_locks_soon()
            return run_queued_jobs()
        finally:
            release.set()

    _held, [job] = in_threads(hold, run_the_job)
    assert job.state == "failed"
    response = client.get(queued["Location"])
    assert response.status_code == 200
    assert (
        "Nothing was imported: another change to the database got there first, "
        "so nothing of this file was written. Import it again."
    ) in response.text
    assert models.Organisation.objects.get().name_en == "DGSN"
    assert not Version.objects.filter(revision__comment="Imported from rename.csv").exists()


def give_up_waiting_for_locks_soon():
    """This connection waits 0.3 s for a lock, not the configured minute."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
    else:
        connection.connection.execute("PRAGMA busy_timeout = 300")

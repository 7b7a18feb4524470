"""`manage.py backup` and `manage.py restore`, on the test database itself (SQLite or PostgreSQL).

The article's data, an editor with a group and its permissions, and a
revision made through django-reversion are backed up, wiped (`flush`) and
restored: every table holds the same rows as at the backup, each record,
join row, citation, revision, user, group and permission is found by its
natural key, search finds what it found, and the data version moves with
the next write. A restore without --force, or from a file that is not a
sound backup, changes nothing; nor does one that fails half way (PostgreSQL:
one transaction).
"""

import builtins
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import reversion
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.db import connections, transaction
from reversion.models import Revision, Version

from kb import registry
from kb.db.version import data_version
from kb.management import backups
from kb.models import Citation, Identifier, Job, Organisation, Topic, WorkerHeartbeat
from tests import factories

pytestmark = pytest.mark.django_db(databases=["default", "jobs"], transaction=True)

SEARCH = "interpol"


def vendor():
    return connections["default"].vendor


def snapshot():
    """{table: sorted rows} of every table of the records' database but the jobs'."""
    connection = connections["default"]
    skip = set(backups.job_tables())
    quote = connection.ops.quote_name
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table in skip:
                continue
            cursor.execute(f"SELECT * FROM {quote(table)}")
            tables[table] = sorted(map(repr, cursor.fetchall()))
    return tables


def slug_of(obj):
    return getattr(obj, "slug", None) if obj is not None else None


def natural_keys():
    """Each record type's rows by natural key, with history, accounts and permissions."""
    keys = {}
    for entry in registry.TYPES:
        model = entry.model
        if entry.is_record:
            keys[entry.name] = sorted(model.objects.values_list("slug", flat=True))
            for field in model._meta.many_to_many:
                keys[f"{entry.name}.{field.name}"] = sorted(
                    (obj.slug, related.slug)
                    for obj in model.objects.prefetch_related(field.name)
                    for related in getattr(obj, field.name).all()
                )
        elif entry.key:
            keys[entry.name] = sorted(
                tuple(
                    str(value) if not hasattr(value, "slug") else value.slug
                    for value in (getattr(row, name) for name in entry.key)
                )
                for row in model.objects.all()
            )
    keys["citation"] = sorted(
        (c.content_type.model, slug_of(c.record), c.source.slug, c.quote)
        for c in Citation.objects.select_related("content_type", "source")
    )
    keys["identifier"] = sorted(
        (i.content_type.model, slug_of(i.record), i.scheme, i.value)
        for i in Identifier.objects.select_related("content_type")
    )
    keys["user"] = sorted(
        (u.username, u.email, u.password, u.is_staff, u.is_superuser, *u.groups.values_list("name"))
        for u in User.objects.all()
    )
    keys["group"] = sorted(
        (g.name, *sorted(g.permissions.values_list("content_type__app_label", "codename")))
        for g in Group.objects.all()
    )
    keys["permission"] = sorted(
        Permission.objects.values_list("content_type__app_label", "content_type__model", "codename")
    )
    keys["revision"] = sorted(
        Revision.objects.values_list("comment", "user__username", "date_created")
    )
    keys["version"] = sorted(
        Version.objects.values_list(
            "revision__comment", "content_type__app_label", "content_type__model", "object_id"
        )
    )
    return keys


def found():
    return sorted(Organisation.objects.search(SEARCH).values_list("slug", flat=True))


@pytest.fixture
def data():
    """The article's data, an editor in a group, a revision of theirs, and one job row.

    Seeded by the command itself, not from the suite's snapshot: a transactional
    test's flush makes the content types anew, under ids the snapshot's
    citations and versions do not name.
    """
    call_command("seed", "--if-empty", verbosity=0)
    editor = User.objects.create_user("archivist", "archivist@example.org", "a-long-passphrase")
    group = Group.objects.create(name="Archivists")
    group.permissions.set(Permission.objects.filter(content_type__app_label="kb"))
    editor.groups.add(group)
    organisation = Organisation.objects.get(slug="interpol")
    with reversion.create_revision():
        organisation.description = "Edited before the backup."
        organisation.save()
        factories.IdentifierFactory(record=organisation, scheme="wikidata", value="Q7747")
        reversion.set_user(editor)
        reversion.set_comment("Before the backup")
    Job.objects.create(
        kind="import", resource="organisation", file_format="csv", user_id=editor.pk, username="x"
    )
    return editor


@pytest.fixture
def backup(tmp_path):
    """A backup of a few records, for the tests of what restore refuses."""
    factories.OrganisationFactory.create_batch(3)
    factories.TopicFactory()
    path = tmp_path / f"entente.{backups.EXTENSIONS[vendor()]}"
    call_command("backup", str(path), verbosity=0)
    assert path.stat().st_size > 0
    return path


def test_backup_wipe_restore_gives_back_every_row(data, tmp_path, capsys):
    before, keys, hits, version = snapshot(), natural_keys(), found(), data_version()
    assert hits and keys["revision"] and keys["group"] and len(keys["organisation"]) > 50
    assert keys["identifier"] == [("organisation", "interpol", "wikidata", "Q7747")]
    assert ("Before the backup", "archivist") in [r[:2] for r in keys["revision"]]

    path = tmp_path / "backups" / "nightly.backup"
    call_command("backup", str(path))
    assert f"Backed up to {path}" in capsys.readouterr().out
    assert not list(path.parent.glob(".*partial"))

    # After the backup: a record the restore must take away, then nothing at all.
    Topic.objects.create(slug="after-the-backup", name="After the backup")
    WorkerHeartbeat.objects.create(
        worker_id="w",
        hostname="h",
        pid=1,
        backend="database",
        started_at=data.date_joined,
        seen_at=data.date_joined,
    )
    call_command("flush", interactive=False, database="default", verbosity=0)
    assert not Organisation.objects.exists() and not User.objects.filter(pk=data.pk).exists()
    assert found() == []

    call_command("restore", str(path), force=True)
    assert "Restored" in capsys.readouterr().out

    assert snapshot() == before
    assert natural_keys() == keys
    assert not Topic.objects.filter(slug="after-the-backup").exists()
    assert found() == hits
    assert data_version() == version
    # The job queue is not in the backup: on PostgreSQL its tables come back
    # empty; on SQLite it is a file of its own, which restore leaves alone.
    if vendor() == "postgresql":
        assert not Job.objects.exists() and not WorkerHeartbeat.objects.exists()
    else:
        assert Job.objects.count() == 1 and WorkerHeartbeat.objects.count() == 1

    # The triggers came back too: a write changes the data version, and is indexed.
    Organisation.objects.filter(slug="interpol").update(search_text="interpol zanzibar")
    assert data_version() != version
    assert [o.slug for o in Organisation.objects.search("zanzibar")] == ["interpol"]
    # And the editor can still sign in with their password.
    assert User.objects.get(username="archivist").check_password("a-long-passphrase")


def test_the_default_path_is_a_timestamped_file_under_backups(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    call_command("backup", verbosity=0)
    [path] = (tmp_path / "backups").iterdir()
    extension = backups.EXTENSIONS[vendor()]
    assert path.name.startswith("entente-20") and path.name.endswith(f"Z.{extension}")


def test_a_backup_never_overwrites_a_file(backup):
    size = backup.stat().st_size
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(backup), verbosity=0)
    assert backup.stat().st_size == size


def test_restore_refuses_without_force(backup):
    Topic.objects.create(slug="after-the-backup", name="After the backup")
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(backup), interactive=False, verbosity=0)
    # The test's stdin is no terminal: not even a prompt without --force.
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(backup), verbosity=0)
    assert Topic.objects.filter(slug="after-the-backup").exists()


@pytest.mark.parametrize("answer, restored", [("no", False), ("yes", True)])
def test_restore_asks_at_a_terminal(backup, monkeypatch, answer, restored):
    Topic.objects.create(slug="after-the-backup", name="After the backup")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    questions = []
    monkeypatch.setattr(builtins, "input", lambda q: questions.append(q) or answer)
    if restored:
        call_command("restore", str(backup), verbosity=0)
    else:
        with pytest.raises(CommandError, match="cancelled"):
            call_command("restore", str(backup), verbosity=0)
    [question] = questions
    assert "replaces every record" in question and str(backup) in question
    assert Topic.objects.filter(slug="after-the-backup").exists() is not restored


def damaged(backup, tmp_path, kind):
    """A file that must be refused: not found, a folder, not a backup, cut short, bit-flipped."""
    path = tmp_path / f"{kind}.bin"
    content = backup.read_bytes()
    if kind == "missing":
        return path, "No such file"
    if kind == "folder":
        path.mkdir()
        return path, "Not a file"
    if kind == "text":
        path.write_text("Not a backup at all.\n")
        return path, "is not a"
    if kind == "truncated":
        path.write_bytes(content[: len(content) * 3 // 4])
        return path, "damaged"
    # PostgreSQL: the end, in the last tables' compressed rows (the table of
    # contents comes first). SQLite: the first page's b-tree header, past the
    # file header (whose first bytes still pass).
    start = len(content) - 64 if vendor() == "postgresql" else 100
    flipped = bytearray(content)
    for offset in range(start, start + 64):
        flipped[offset] ^= 0x5A
    path.write_bytes(bytes(flipped))
    return path, "damaged"


@pytest.mark.parametrize("kind", ["missing", "folder", "text", "truncated", "flipped"])
def test_a_file_that_is_no_sound_backup_changes_nothing(backup, tmp_path, kind):
    Topic.objects.create(slug="after-the-backup", name="After the backup")
    before = snapshot()
    path, message = damaged(backup, tmp_path, kind)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path), force=True, verbosity=0)
    assert snapshot() == before


def test_a_backup_of_the_other_kind_is_refused(backup, tmp_path):
    other = tmp_path / "other"
    if vendor() == "postgresql":
        # An SQLite file, even an Entente one, is no PostgreSQL backup.
        db = sqlite3.connect(other)
        db.execute("CREATE TABLE django_migrations (id integer)")
        db.execute("CREATE TABLE kb_dataversion (id integer)")
        db.commit()
        db.close()
        message = "not a PostgreSQL backup"
    else:
        other.write_bytes(b"PGDMP" + b"\x00" * 200)
        message = "not a SQLite backup"
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(other), force=True, verbosity=0)
    assert snapshot() == before


def test_a_database_that_is_not_entente_is_refused(db_without_entente_tables, tmp_path):
    before = snapshot()
    with pytest.raises(CommandError, match="not (of )?an Entente database"):
        call_command("restore", str(db_without_entente_tables), force=True, verbosity=0)
    assert snapshot() == before


@pytest.fixture
def db_without_entente_tables(tmp_path):
    """A sound backup of a database that is not Entente's, in this vendor's format."""
    if vendor() == "sqlite":
        path = tmp_path / "other.sqlite3"
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE notes (body text)")
        db.commit()
        db.close()
        return path
    # One table that is not Entente's, dumped alone: no django_migrations, no kb_dataversion.
    with connections["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE notes (body text)")
    path = tmp_path / "other.dump"
    env = backups.pg_environment(connections["default"].settings_dict)
    subprocess.run(["pg_dump", "-Fc", "--table=notes", f"--file={path}"], env=env, check=True)
    with connections["default"].cursor() as cursor:
        cursor.execute("DROP TABLE notes")
    return path


def test_a_restore_that_fails_half_way_changes_nothing(backup):
    if vendor() != "postgresql":
        pytest.skip("SQLite's restore is one write of every page: it has no half way")
    Topic.objects.create(slug="after-the-backup", name="After the backup")
    # A view of the records' table, made after the backup: --clean cannot drop
    # the table under it, and pg_restore stops at that error.
    with connections["default"].cursor() as cursor:
        cursor.execute("CREATE VIEW health_report AS SELECT slug FROM kb_organisation")
    before = snapshot()
    try:
        with pytest.raises(CommandError, match="pg_restore failed; the database is unchanged"):
            call_command("restore", str(backup), force=True, verbosity=0)
        assert snapshot() == before
        assert Topic.objects.filter(slug="after-the-backup").exists()
    finally:
        with connections["default"].cursor() as cursor:
            cursor.execute("DROP VIEW health_report")
    call_command("restore", str(backup), force=True, verbosity=0)
    assert not Topic.objects.filter(slug="after-the-backup").exists()


def test_the_password_goes_through_the_environment_only(backup, monkeypatch, tmp_path, capsys):
    if vendor() != "postgresql":
        pytest.skip("SQLite has no password")
    secret = "s3cret-never-in-argv"
    monkeypatch.setitem(connections["default"].settings_dict, "PASSWORD", secret)
    calls = []
    real_run = subprocess.run

    def recording_run(args, **kwargs):
        calls.append((args, kwargs.get("env") or {}))
        return real_run(args, **kwargs)

    monkeypatch.setattr(backups.subprocess, "run", recording_run)
    call_command("backup", str(tmp_path / "with-password.dump"))
    call_command("restore", str(backup), force=True)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path / "missing.dump"), force=True)
    output = capsys.readouterr()
    assert {Path(args[0]).name for args, _ in calls} == {"pg_dump", "pg_restore"}
    for args, env in calls:
        assert not any(secret in arg for arg in args)
        assert env["PGPASSWORD"] == secret
    assert secret not in output.out + output.err + str(refused.value)


def test_a_backup_taken_while_writes_go_on_holds_whole_transactions(tmp_path):
    """Another connection commits pairs of topics throughout; each backup holds whole pairs."""
    stop = threading.Event()
    written = []
    failures = []

    def writer():
        try:
            while not stop.is_set() or len(written) < 20:
                n = len(written)
                with transaction.atomic():
                    Topic.objects.create(slug=f"pair-{n}-a", name="Pair")
                    Topic.objects.create(slug=f"pair-{n}-b", name="Pair")
                written.append(n)
        except Exception as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    paths = []
    try:
        while len(written) < 5 and thread.is_alive():
            time.sleep(0.01)
        for i in range(3):
            paths.append(tmp_path / f"during-{i}.{backups.EXTENSIONS[vendor()]}")
            call_command("backup", str(paths[-1]), verbosity=0)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not failures, failures
    during = [pairs_in(path) for path in paths]
    for halves in during:
        assert halves["a"] == halves["b"], "a backup holds half a transaction"
    # Each holds what was committed when it began (the writer's WAL included), and
    # the writer, never refused a lock, went on after it.
    assert during[0]["a"] and during[0]["a"] <= during[-1]["a"]
    assert len(written) > len(during[-1]["a"])


def pairs_in(path):
    """{"a": {n...}, "b": {n...}}: the pair numbers of the topics in a backup."""
    if vendor() == "sqlite":
        db = sqlite3.connect(path)
        try:
            slugs = [row[0] for row in db.execute("SELECT slug FROM kb_topic")]
        finally:
            db.close()
        text = "\n".join(slugs)
    else:
        env = backups.pg_environment(connections["default"].settings_dict)
        text = subprocess.run(
            ["pg_restore", "--data-only", "--table=kb_topic", "--file=-", str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    halves = {"a": set(), "b": set()}
    for number, half in re.findall(r"\bpair-(\d+)-([ab])\b", text):
        halves[half].add(int(number))
    return halves

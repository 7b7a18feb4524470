"""What `manage.py backup` and `manage.py restore` share: files, tools and checks.

A backup holds the records' database, the "default" alias: every record,
citation and join row, their history (django-reversion), the editors'
accounts, groups and permissions, sessions, and the SQL that kb/db installs
(search index, data version triggers). Not the jobs' rows (the queue, each
job's progress, the workers' heartbeats): they are transient, and a queue
brought back from a backup would run again, or show as under way, jobs that
ended long ago. On PostgreSQL their tables share the database, so the dump
keeps their definitions and leaves out their rows; on SQLite they are a file
of their own, which neither command touches.

PostgreSQL: pg_dump's custom format (-Fc), one consistent snapshot however
long it takes, while the app serves; pg_restore replays it in one
transaction, so that a restore that fails changes nothing. The connection
comes from the alias's settings through libpq's environment (PGHOST,
PGPASSWORD...), never the command line, where any user of the machine could
read it. SQLite: Python's sqlite3 online backup API, which copies the pages
as of one read transaction (in WAL mode, writers carry on meanwhile) and
writes a restore back in one write transaction.
"""

import datetime
import os
import re
import shutil
import sqlite3
import subprocess
import urllib.parse
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections

from kb.db import collation
from kb.db.routing import PRIMARY, is_job_model
from kb.db.version import VERSION_TABLE

DIRECTORY = "backups"
EXTENSIONS = {"postgresql": "dump", "sqlite": "sqlite3"}
SQLITE_HEADER = b"SQLite format 3\x00"
PG_ARCHIVE_HEADER = b"PGDMP"
# Every Entente database has both: Django's migration history and kb/db's version row.
REQUIRED_TABLES = ("django_migrations", VERSION_TABLE)
# The libpq variable for each connection option Django passes through (as `dbshell` does).
PG_OPTIONS = {
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def connection():
    """The records' database, on PostgreSQL or SQLite; any other vendor is refused."""
    conn = connections[PRIMARY]
    if conn.vendor not in EXTENSIONS:
        raise CommandError(f"Backups support PostgreSQL and SQLite, not {conn.vendor}.")
    return conn


def default_path(vendor, now=None):
    """backups/entente-<UTC timestamp>.<dump|sqlite3> in the checkout."""
    now = now or datetime.datetime.now(datetime.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / DIRECTORY / f"entente-{stamp}.{EXTENSIONS[vendor]}"


def job_tables():
    """The jobs' tables (kb/db/routing.py): their definitions are backed up, not their rows."""
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if is_job_model(model._meta.app_label, model._meta.model_name)
        }
    )


def human_size(size):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024


def readable_file(path):
    """The file's first bytes; CommandError when it is missing, not a file, or unreadable."""
    if not path.exists():
        raise CommandError(f"No such file: {path}")
    if not path.is_file():
        raise CommandError(f"Not a file: {path}")
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}") from None


# --- PostgreSQL ----------------------------------------------------------------------


def pg_tool(name):
    found = shutil.which(name)
    if found is None:
        raise CommandError(
            f"{name} not found on PATH: install the PostgreSQL client tools "
            "(Debian: postgresql-client), of the server's major version or newer."
        )
    return found


def pg_environment(settings_dict):
    """The child's environment: libpq's variables from the alias, the password included."""
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS", {})
    values.update({variable: options.get(option) for option, variable in PG_OPTIONS.items()})
    for variable, value in values.items():
        if value not in (None, ""):
            env[variable] = str(value)
    return env


def scrub(text, settings_dict):
    """A tool's message as it may be shown: without the password, should it appear."""
    password = str(settings_dict.get("PASSWORD") or "")
    return text.replace(password, "***") if password else text


def run_tool(args, settings_dict, failure):
    result = subprocess.run(
        args, env=pg_environment(settings_dict), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = scrub(result.stderr.strip(), settings_dict)
        raise CommandError(f"{failure}\n{detail}" if detail else failure)
    return result.stdout


def pg_contents(path, settings_dict):
    """The archive's table of contents (pg_restore --list); CommandError if it has none."""
    result = subprocess.run(
        [pg_tool("pg_restore"), "--list", str(path)],
        env=pg_environment(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(
            f"{path} is not a PostgreSQL backup in pg_dump's custom format (-Fc), "
            "or it is damaged: nothing was changed."
        )
    return result.stdout


def check_pg_backup(path, settings_dict):
    if not readable_file(path).startswith(PG_ARCHIVE_HEADER):
        raise CommandError(
            f"{path} is not a PostgreSQL backup in pg_dump's custom format (-Fc): "
            "nothing was changed."
        )
    contents = pg_contents(path, settings_dict)
    for table in REQUIRED_TABLES:
        if not re.search(rf"^\d+; \d+ \d+ TABLE \S+ {re.escape(table)} ", contents, re.M):
            raise CommandError(
                f"{path} is a PostgreSQL backup, but not of an Entente database "
                f"(it has no {table} table): nothing was changed."
            )
    # Every block read and uncompressed, into no database, before one is touched.
    result = subprocess.run(
        [pg_tool("pg_restore"), f"--file={os.devnull}", str(path)],
        env=pg_environment(settings_dict),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"{path} is a damaged PostgreSQL backup: nothing was changed.")


def pg_backup(settings_dict, path):
    # --no-password: never a prompt, which a cron job would wait on forever.
    args = [pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={path}"]
    args += [f'--exclude-table-data="{table}"' for table in job_tables()]
    run_tool(args, settings_dict, "pg_dump failed: no backup was written.")
    pg_contents(path, settings_dict)  # the archive reads back


def pg_restore(settings_dict, path):
    args = [
        pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        # One transaction, stopped at the first error: a restore that fails
        # leaves the database as it was.
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={settings_dict['NAME']}",
        str(path),
    ]
    run_tool(args, settings_dict, "pg_restore failed; the database is unchanged.")


# --- SQLite --------------------------------------------------------------------------


def sqlite_uri(name, mode):
    return f"file:{urllib.parse.quote(str(name))}?mode={mode}"


def sqlite_open(name, mode):
    """An existing file (never a new, empty one), waiting for a writer as Django does."""
    return with_collations(sqlite3.connect(sqlite_uri(name, mode), uri=True, timeout=60))


def with_collations(db):
    # The name indexes' collations: quick_check reads every index, and fails without them.
    collation.register(db)
    return db


def sqlite_tables(db):
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def check_sqlite_backup(path):
    if not readable_file(path).startswith(SQLITE_HEADER):
        raise CommandError(f"{path} is not a SQLite backup: nothing was changed.")
    try:
        db = sqlite_open(path, "ro")
        try:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            tables = sqlite_tables(db)
        finally:
            db.close()
    except sqlite3.DatabaseError:
        verdict, tables = "unreadable", set()
    if verdict != "ok":
        raise CommandError(f"{path} is a damaged SQLite file: nothing was changed.")
    missing = [table for table in REQUIRED_TABLES if table not in tables]
    if missing:
        raise CommandError(
            f"{path} is a SQLite file, but not an Entente database "
            f"(it has no {missing[0]} table): nothing was changed."
        )


def sqlite_backup(settings_dict, path):
    name = settings_dict["NAME"]
    try:
        source = sqlite_open(name, "rw")
    except sqlite3.OperationalError:
        raise CommandError(f"Cannot open the database file {name}.") from None
    target = with_collations(sqlite3.connect(path))
    try:
        # One step (pages=-1): every page as of one read transaction.
        source.backup(target)
        # A file that stands alone: no -wal beside it to copy or lose.
        target.execute("PRAGMA journal_mode=DELETE")
        if target.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise CommandError("The copy does not pass SQLite's quick_check: no backup written.")
    finally:
        target.close()
        source.close()


def sqlite_restore(settings_dict, path):
    name = settings_dict["NAME"]
    source = sqlite_open(path, "ro")
    try:
        target = sqlite_open(name, "rwc")
    except sqlite3.OperationalError:
        source.close()
        raise CommandError(f"Cannot open the database file {name}.") from None
    try:
        # One write transaction on the database: all the pages, or none.
        source.backup(target)
        # Into the main file, so that the -wal holds nothing of it.
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as error:
        raise CommandError(f"The restore failed; the database is unchanged: {error}") from None
    finally:
        target.close()
        source.close()

"""`manage.py restore PATH`: put a backup (`manage.py backup`) back in place of the records' data.

It replaces every record, its history, the editors' accounts and the rest of
the records' database with the backup's, so it asks first: --force, or
"yes" at the prompt. The file is checked before anything changes: a missing,
unreadable or damaged file, or one that is not an Entente backup of this
database's kind, is refused with a message and the database left as it was.
The restore itself is one transaction (PostgreSQL) or one write (SQLite): if
it fails half way, nothing has changed.

Stop the web and worker processes first: PostgreSQL's restore waits for the
locks of any transaction still open on the tables, and a worker would carry
on with jobs whose records have just been replaced.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from kb.management import backups


class Command(BaseCommand):
    help = (
        "Replace the records' database with a backup made by `manage.py backup`. "
        "Asks for confirmation unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file (.dump for PostgreSQL, .sqlite3).")
        parser.add_argument("--force", action="store_true", help="Replace the data without asking.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Never prompt: without --force, refuse.",
        )

    def handle(self, *args, path, force=False, interactive=True, **options):
        connection = backups.connection()
        settings_dict = connection.settings_dict
        source = Path(path)
        if connection.vendor == "postgresql":
            backups.check_pg_backup(source, settings_dict)
        else:
            backups.check_sqlite_backup(source)
        if not force:
            self.confirm(source, settings_dict, interactive)
        # No connection of this process may hold a lock the restore waits for,
        # nor keep a view of the tables it replaces.
        connections.close_all()
        try:
            if connection.vendor == "postgresql":
                backups.pg_restore(settings_dict, source)
            else:
                backups.sqlite_restore(settings_dict, source)
        finally:
            connections.close_all()
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Restored {source}."))

    def confirm(self, source, settings_dict, interactive):
        warning = (
            f"This replaces every record, its history and the editors' accounts in the "
            f"database {settings_dict['NAME']} with those of {source}."
        )
        if not (interactive and sys.stdin.isatty()):
            raise CommandError(f"{warning} Run with --force to go ahead.")
        answer = input(f"{warning}\nType 'yes' to go ahead, anything else to stop: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Restore cancelled: nothing was changed.")

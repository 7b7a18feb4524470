"""`manage.py backup [PATH]`: a consistent copy of the records' database, taken while it serves.

PATH defaults to backups/entente-<UTC timestamp>.dump (PostgreSQL, pg_dump's
custom format) or .sqlite3 (SQLite); an existing file is never overwritten.
The copy is written beside PATH under a temporary name and renamed once it
reads back, so that PATH never holds half a backup. What is in it and what
is not: kb/management/backups.py.
"""

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb.management import backups


class Command(BaseCommand):
    help = (
        "Back up the records' database (not the job queue) to PATH, by default "
        "backups/entente-<UTC timestamp>.dump (PostgreSQL) or .sqlite3 (SQLite)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Where to write the backup (a new file).")

    def handle(self, *args, path=None, **options):
        connection = backups.connection()
        vendor = connection.vendor
        target = Path(path) if path else backups.default_path(vendor)
        if target.exists():
            raise CommandError(f"{target} already exists: a backup never overwrites a file.")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"Cannot create {target.parent}: {error.strerror}") from None
        partial = target.with_name(f".{target.name}.partial")
        partial.unlink(missing_ok=True)
        started = time.monotonic()
        try:
            if vendor == "postgresql":
                backups.pg_backup(connection.settings_dict, partial)
            else:
                backups.sqlite_backup(connection.settings_dict, partial)
            os.replace(partial, target)
        except OSError as error:
            raise CommandError(f"Cannot write {target}: {error.strerror}") from None
        finally:
            partial.unlink(missing_ok=True)
        elapsed = time.monotonic() - started
        size = backups.human_size(target.stat().st_size)
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(f"Backed up to {target} ({size}, {elapsed:.1f} s).")
            )

"""`manage.py downloads`: build the bulk files of the downloads page now, in this process.

The worker rebuilds them by itself after changes (kb/jobs/downloads.py);
this builds them at once: on a fresh installation (`make run` runs it with
--if-absent, so the downloads page is never empty), after a restore, or to
time a build (it prints each file's size and time).
"""

import time

from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat

from kb.jobs.downloads import absent, build_now


class Command(BaseCommand):
    help = "Build the bulk files of the downloads page now (README, 'Bulk downloads')."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-absent",
            action="store_true",
            help="Build only if some file has never been built.",
        )

    def handle(self, *, if_absent, verbosity, **options):
        if if_absent and not absent():
            if verbosity:
                self.stdout.write("The bulk files are built: nothing to do.")
            return
        start = time.perf_counter()
        current, written = build_now()
        total = time.perf_counter() - start
        if verbosity:
            # Files written together (the CSV zip, the SQLite file, its metadata) show one time.
            for item in written:
                self.stdout.write(
                    f"{item.name:28} {filesizeformat(item.size):>10} {item.seconds:8.2f} s"
                )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built {len(written)} files from the data of {current.created} "
                    f"in {total:.1f} s."
                )
            )

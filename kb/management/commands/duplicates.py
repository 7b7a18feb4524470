"""`manage.py duplicates`: compute the possible duplicates now, in this process.

The admin's "Possible duplicates" page queues the same computation for a worker
(kb/jobs/duplicates.py); this runs it at once, for operators and tests, and prints
what it found and what it took per type: records, pairs, similarity comparisons, and
the name pairs that blocking by country alone would have compared.
"""

from django.core.management.base import BaseCommand

from kb.jobs.duplicates import run_now


class Command(BaseCommand):
    help = "Compute the possible duplicates now (README, 'Possible duplicates')."

    def handle(self, *, verbosity, **options):
        summary = run_now()
        if not verbosity:
            return
        for name, found in summary.found.items():
            self.stdout.write(
                f"{name:14} {found.records:>9,} records {len(found.pairs):>8,} pairs "
                f"{found.comparisons:>12,} comparisons (one block's {found.largest_block:,} "
                f"names; {found.block_pairs:,} pairs by country alone)"
                + (f"; {found.generic_keys:,} generic names skipped" if found.generic_keys else "")
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Possible duplicates: {summary.pairs:,}, from {summary.comparisons:,} "
                f"comparisons, in {summary.seconds:.1f} s."
            )
        )

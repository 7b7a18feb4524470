"""Load the article's data (fixtures/*.json) and give each record a history entry."""

import json
from pathlib import Path

import reversion
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kb.history.registration import FOLLOWED
from kb.models import Citation, Event, Organisation, Record, Source

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = (
        "Load fixtures/*.json. With --if-empty, do nothing when the database already "
        "holds data, so editors' work is never overwritten; --force reloads on purpose."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument(
            "--if-empty", action="store_true", help="Load only into an empty database."
        )
        group.add_argument(
            "--force", action="store_true", help="Reload over rows with the same keys."
        )

    def handle(self, *args, **options):
        has_data = any(m.objects.exists() for m in (Organisation, Event, Source, Citation))
        if options["if_empty"] and has_data:
            if options["verbosity"]:
                self.stdout.write("The database already holds data: fixtures not loaded.")
            return
        fixtures = sorted(FIXTURES_DIR.glob("*.json"))
        if not fixtures:
            raise CommandError(f"No fixtures found in {FIXTURES_DIR}")
        with transaction.atomic():
            call_command("loaddata", *map(str, fixtures), verbosity=options["verbosity"])
            # loaddata bypasses save(), which keeps the search column in step.
            for model in apps.get_app_config("kb").get_models():
                if issubclass(model, Record):
                    model.objects.all().refresh_search_text()
            count = self._record_history(fixtures)
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {len(fixtures)} fixture file(s); {count} history entries."
                )
            )

    def _record_history(self, fixtures):
        """Give every loaded record a version of its own.

        loaddata saves raw rows, which reversion does not see. One revision
        per record (not one for the whole load) keeps "revert" in the admin
        scoped to that record; after a forced reload, the new version sits
        on top of any editor's earlier one, which stays revertible. Rows that
        belong to a record (citations, join rows) are versioned with it.
        """
        count = 0
        for path in fixtures:
            for row in json.loads(path.read_text(encoding="utf-8")):
                model = apps.get_model(row["model"])
                if not reversion.is_registered(model) or model in FOLLOWED:
                    continue
                obj = model._default_manager.get(pk=row["pk"])
                with reversion.create_revision(atomic=False):
                    reversion.set_comment(f"Loaded from fixtures/{path.name}")
                    reversion.add_to_revision(obj)
                count += 1
        return count

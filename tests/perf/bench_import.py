"""Import speed: the library's default settings against Entente's batch path.

    .venv/bin/python tests/perf/bench_import.py [--organisations 10000] [--participations 50000]

Runs on a scratch database made for the run and dropped after it (a file in
a temporary directory on SQLite, `<NAME>_import_bench` on PostgreSQL, from
DATABASE_URL), so no data is touched. It writes the two files with
tests/perf/import_files.py, then imports each one twice in the same run:

- default: a plain `ModelResource` for the same columns with the library's
  default options (row by row, `ForeignKeyWidget` by slug). It keeps no
  history: wrapping it in one `reversion.create_revision()` is slower still
  (reversion copies its pending versions on every row, quadratic in the
  rows: 50,000 participations do not finish in minutes);
- entente: kb/transfer/resources.py, validating every row first, then writing in
  bulk with one revision per record, row errors and many-to-many checks.

Each import runs in a transaction that is rolled back afterwards, so each
starts from the same state. Prints rows per second for each.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from import_export import fields, resources, widgets  # noqa: E402
from import_export.formats.base_formats import CSV  # noqa: E402
from reversion.models import Version  # noqa: E402

from kb.models import Event, Organisation, Participation, Person, Post  # noqa: E402
from kb.transfer.joins import ParticipationResource  # noqa: E402
from kb.transfer.resources import OrganisationResource  # noqa: E402
from tests.perf import import_files  # noqa: E402


def slug_key(model, name):
    return fields.Field(
        attribute=name, column_name=name, widget=widgets.ForeignKeyWidget(model, "slug")
    )


class DefaultOrganisationResource(resources.ModelResource):
    parent = slug_key(Organisation, "parent")

    class Meta:
        model = Organisation
        fields = OrganisationResource._meta.fields
        import_id_fields = ("slug",)


class DefaultParticipationResource(resources.ModelResource):
    event = slug_key(Event, "event")
    organisation = slug_key(Organisation, "organisation")
    person = slug_key(Person, "person")
    post = slug_key(Post, "post")

    class Meta:
        model = Participation
        fields = ParticipationResource._meta.fields
        import_id_fields = ("event", "organisation", "person", "post")


class Rollback(Exception):
    pass


def timed(run, dataset):
    """Seconds one import takes; its writes are rolled back afterwards."""
    try:
        with transaction.atomic():
            started = time.perf_counter()
            result = run(dataset)
            seconds = time.perf_counter() - started
            problems = result.has_errors() or result.has_validation_errors()
            if problems or result.totals["new"] != len(dataset):
                raise SystemExit(f"Import failed: {dict(result.totals)}")
            raise Rollback(seconds)
    except Rollback as done:
        return done.args[0]


def default_run(resource_class):
    return lambda dataset: resource_class().import_data(dataset, dry_run=False)


def entente_run(resource_class, user, name):
    def run(dataset):
        result = resource_class().import_data(dataset, dry_run=False, user=user, file_name=name)
        if Version.objects.count() < len(dataset):
            raise SystemExit("The batch path wrote no history")
        return result

    return run


def create_targets(organisations, participations):
    """What the participations file names: organisations and events, committed."""
    Organisation.objects.bulk_create(
        Organisation(
            slug=import_files.organisation_slug(i),
            name_en=f"Benchmark police service {i}",
            kind="police",
            country="FR",
        )
        for i in range(organisations)
    )
    events = []
    for i in range(import_files.event_count(participations)):
        start, end = import_files.event_dates(i)
        events.append(
            Event(
                slug=import_files.event_slug(i),
                name_en=f"Benchmark meeting {i}",
                kind="bilateral_meeting",
                start_date=start,
                end_date=end,
            )
        )
    Event.objects.bulk_create(events, batch_size=1000)


def bench(label, path, runs):
    dataset = CSV(encoding="utf-8").create_dataset(path.read_text(encoding="utf-8"))
    rates = {}
    for name, run in runs:
        seconds = timed(run, dataset)
        rates[name] = len(dataset) / seconds
        print(
            f"  {label:<24} {name:<8} {len(dataset):>7} rows {seconds:8.2f} s "
            f"{rates[name]:8.0f} rows/s",
            flush=True,
        )
    print(f"  {label:<24} speed-up: {rates['entente'] / rates['default']:.1f}x", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--participations", type=int, default=50_000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="entente-bench-"))
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(workdir / "bench.sqlite3")
    else:
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_import_bench"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"Scratch database: {connection.vendor} {connection.settings_dict['NAME']}")
        user = get_user_model().objects.create_superuser("bench", "bench@example.org", "-")
        organisations, participations = import_files.write_files(
            workdir, args.organisations, args.participations
        )
        bench(
            "organisations.csv",
            organisations,
            [
                ("default", default_run(DefaultOrganisationResource)),
                ("entente", entente_run(OrganisationResource, user, organisations.name)),
            ],
        )
        create_targets(args.organisations, args.participations)
        bench(
            "participations.csv",
            participations,
            [
                ("default", default_run(DefaultParticipationResource)),
                ("entente", entente_run(ParticipationResource, user, participations.name)),
            ],
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

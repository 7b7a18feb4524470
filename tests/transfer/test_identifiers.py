"""Identifiers in other systems travel as the `identifiers` column of each record's file.

kb/transfer/identifiers.py: given with the records in the same file, checked on
their row before anything is written, exported sorted so a file reads back equal.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from import_export.formats.base_formats import CSV
from reversion.models import Version

from kb import models, registry
from kb.transfer.resources import RESOURCES
from tests import factories as f
from tests.support import MAIN_FACTORIES, admin_import, factory_id, report_errors
from tests.transfer.test_import_export import (
    FORMATS,
    csv_dataset,
    errors_of,
    export_file,
    load,
    run_import,
)

pytestmark = pytest.mark.django_db

NK = "NK-2ZkYyZLKa4Mdj6NqbHPoeF"
HEADERS = ["slug", "name_en", "kind", "identifiers"]


def given(record):
    return sorted(record.identifiers.values_list("scheme", "value"))


def test_an_editor_gives_organisations_and_their_identifiers_in_one_file(reviewer):
    interpol = f.OrganisationFactory(
        slug="interpol", name_en="INTERPOL", kind="intergovernmental_organisation"
    )
    data = csv_dataset(
        HEADERS,
        [
            "interpol",
            "INTERPOL",
            "intergovernmental_organisation",
            f"wikidata:Q7747; opensanctions:{NK}",
        ],
        # Spaces, a capital in the scheme, a comma-free list in any order: read alike.
        ["bka", "Bundeskriminalamt", "police", " Wikidata : Q451271 "],
        ["no-ids", "No identifiers", "police", ""],
    )
    result = run_import(models.Organisation, data, reviewer, name="organisations.csv")
    assert (result.totals["new"], result.totals["update"]) == (2, 1), errors_of(result)
    assert given(interpol) == [("opensanctions", NK), ("wikidata", "Q7747")]
    bka = models.Organisation.objects.get(slug="bka")
    assert given(bka) == [("wikidata", "Q451271")]
    # The record's revision holds its identifiers: a revert or a recovery brings them back.
    for record, count in ((interpol, 2), (bka, 1)):
        revision = Version.objects.get_for_object(record).first().revision
        kept = revision.version_set.filter(content_type__model="identifier")
        assert kept.count() == count
    # And exporting gives them back in one cell, sorted, as the file can be read again.
    lines = export_file(models.Organisation, CSV).splitlines()
    assert lines[0].endswith(",identifiers")
    assert lines[2].endswith(f",opensanctions:{NK}; wikidata:Q7747")  # interpol, by slug


def test_a_bad_identifier_is_reported_on_its_row_and_nothing_is_written(reviewer):
    f.OrganisationFactory(slug="interpol", kind="intergovernmental_organisation")
    data = csv_dataset(
        HEADERS,
        ["interpol", "INTERPOL", "intergovernmental_organisation", "wikidata:Q7747"],
        ["bka", "BKA", "police", "wikidata:7747"],
        ["dgsn", "DGSN", "police", "isni:0000000121032683; Q12"],
    )
    errors = errors_of(run_import(models.Organisation, data, reviewer))
    assert set(errors) == {(2, "identifiers"), (3, "identifiers")}
    assert "“7747” is not a Wikidata identifier (for example Q7747)." in errors[(2, "identifiers")]
    [message] = errors[(3, "identifiers")]
    assert "Unknown scheme “isni”" in message and "“Q12” is not scheme:value" in message
    assert not models.Identifier.objects.exists()  # row 1 was valid, and waits with the rest
    assert not models.Organisation.objects.filter(slug="bka").exists()
    with translation.override("fr"):
        errors = errors_of(run_import(models.Organisation, data, reviewer))
    assert errors[(2, "identifiers")] == [
        "«\u00a07747\u00a0» n’est pas un identifiant Wikidata (par exemple Q7747)."
    ]


def test_an_identifier_belongs_to_one_record_of_a_type(reviewer):
    interpol = f.OrganisationFactory(slug="interpol", kind="intergovernmental_organisation")
    f.IdentifierFactory(record=interpol, value="Q7747")
    data = csv_dataset(
        HEADERS,
        ["bka", "BKA", "police", "wikidata:Q7747"],  # interpol keeps it
        ["dgsn", "DGSN", "police", "wikidata:Q1"],
        ["dgst", "DGST", "police", "wikidata:Q1"],  # given twice in the file
    )
    errors = errors_of(run_import(models.Organisation, data, reviewer))
    assert errors == {
        (1, "identifiers"): ["“wikidata:Q7747” belongs to “interpol”: remove it there first."],
        (3, "identifiers"): ["“wikidata:Q1” is given to “dgsn” on an earlier row."],
    }
    # A person may have it: an identifier is unique within a type.
    people = csv_dataset(["slug", "name", "identifiers"], ["p", "P", "wikidata:Q7747"])
    assert run_import(models.Person, people, reviewer).totals["new"] == 1


def test_a_file_moves_an_identifier_from_a_record_to_another(reviewer):
    interpol = f.OrganisationFactory(slug="interpol", kind="intergovernmental_organisation")
    bka = f.OrganisationFactory(slug="bka", kind="police")
    f.IdentifierFactory(record=interpol, value="Q7747")
    f.IdentifierFactory(record=bka, value="Q451271")
    data = csv_dataset(
        HEADERS,
        ["bka", bka.name_en, "police", "wikidata:Q7747"],  # before the row that lets it go
        ["interpol", interpol.name_en, "intergovernmental_organisation", "wikidata:Q451271"],
    )
    result = run_import(models.Organisation, data, reviewer)
    assert result.totals["update"] == 2, errors_of(result)
    assert given(bka) == [("wikidata", "Q7747")]
    assert given(interpol) == [("wikidata", "Q451271")]


def test_an_empty_cell_removes_them_and_a_file_without_the_column_keeps_them(reviewer):
    interpol = f.OrganisationFactory(
        slug="interpol", name_en="INTERPOL", kind="intergovernmental_organisation"
    )
    f.IdentifierFactory(record=interpol, value="Q7747")
    without = csv_dataset(
        ["slug", "name_en", "kind"], ["interpol", "Interpol", "intergovernmental_organisation"]
    )
    assert run_import(models.Organisation, without, reviewer).totals["update"] == 1
    assert given(interpol) == [("wikidata", "Q7747")]
    unchanged = csv_dataset(
        HEADERS, ["interpol", "Interpol", "intergovernmental_organisation", "wikidata:Q7747"]
    )
    assert run_import(models.Organisation, unchanged, reviewer).totals["skip"] == 1
    emptied = csv_dataset(HEADERS, ["interpol", "Interpol", "intergovernmental_organisation", ""])
    result = run_import(models.Organisation, emptied, reviewer)
    assert result.totals["update"] == 1  # only the identifiers changed: still a change
    assert given(interpol) == []
    assert Version.objects.get_for_object(interpol).count() == 2


@pytest.mark.parametrize("factory", MAIN_FACTORIES, ids=factory_id)
def test_every_record_type_round_trips_its_identifiers(reviewer, factory):
    model = factory._meta.model
    record = factory()
    f.IdentifierFactory(record=record, scheme="wikidata", value="Q42")
    f.IdentifierFactory(record=record, scheme="opensanctions", value="gb-hmt-14196")
    for file_format in FORMATS:
        data = export_file(model, file_format)
        # Read back as it is: nothing changes, nothing is recorded.
        versions = Version.objects.count()
        result = run_import(model, load(file_format, data), reviewer)
        assert result.totals["skip"] == model.objects.count(), (file_format, errors_of(result))
        assert Version.objects.count() == versions
        # Into an empty table, after the record is gone: its identifiers come back too.
        model.objects.all().delete()
        assert not models.Identifier.objects.exists()  # they go with their record
        result = run_import(model, load(file_format, data), reviewer)
        assert not errors_of(result), file_format
        record = model.objects.get()
        assert given(record) == [("opensanctions", "gb-hmt-14196"), ("wikidata", "Q42")]


def test_reading_the_column_costs_no_query_per_row(reviewer):
    counts = []
    for size in (5, 40):
        rows = [
            [
                f"org-{size}-{i}",
                f"Org {i}",
                "police",
                f"wikidata:Q{size}{i}; opensanctions:Q{size}{i}",
            ]
            for i in range(size)
        ]
        with CaptureQueriesContext(connection) as queries:
            result = run_import(models.Organisation, csv_dataset(HEADERS, *rows), reviewer)
        assert result.totals["new"] == size, errors_of(result)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert models.Identifier.objects.count() == 90


def test_through_the_admin_the_error_names_its_row_and_column(client, reviewer):
    client.force_login(reviewer)
    data = (
        "slug,name_en,kind,identifiers\nbka,BKA,police,wikidata:Q451271\nx,X,police,wikidata:Q0\n"
    )
    response = admin_import(client, models.Organisation, data)
    assert report_errors(response) == {
        (2, "identifiers"): ["“Q0” is not a Wikidata identifier (for example Q7747)."]
    }
    assert not models.Organisation.objects.exists()


def test_identifiers_have_no_file_of_their_own():
    assert models.Identifier not in RESOURCES
    assert registry.of(models.Identifier).inline

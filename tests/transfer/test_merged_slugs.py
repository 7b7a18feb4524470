"""Imports after a merge: an old slug names the kept record; a new record may not take it."""

import pytest
import tablib
from import_export.formats.base_formats import CSV

from kb import models
from kb.history import merging
from kb.transfer.resources import RESOURCES
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged():
    kept = f.OrganisationFactory(slug="italian-police")
    dup = f.OrganisationFactory(slug="polizia")
    merging.merge(models.Organisation, kept.pk, [dup.pk])
    return kept


def run_import(model, headers, *rows, user):
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append(row)
    dataset = CSV().create_dataset(CSV().export_data(data))
    return RESOURCES[model]().import_data(dataset, user=user, file_name="file.csv")


def errors_of(result):
    return {
        (row.number, column): list(messages)
        for row in result.invalid_rows
        for column, messages in row.error_dict.items()
    }


def test_a_reference_to_an_old_slug_names_the_kept_record(merged, reviewer):
    meeting = f.EventFactory(slug="meeting")
    result = run_import(
        models.Participation,
        ["event", "organisation", "person", "post", "role"],
        ["meeting", "polizia", "", "", "counterpart"],
        user=reviewer,
    )
    assert not errors_of(result)
    assert meeting.participations.get().organisation == merged
    # In a record's own relation columns too (a parent), and in citations' `record`.
    run_import(
        models.Organisation,
        ["slug", "name_en", "kind", "parent"],
        ["unit", "A unit", "police", "polizia"],
        user=reviewer,
    )
    assert models.Organisation.objects.get(slug="unit").parent == merged
    f.SourceFactory(slug="article")
    result = run_import(
        models.Citation,
        ["record_type", "record", "source", "quote", "translation", "translation_by"],
        ["organisation", "polizia", "article", "« la police italienne »", "", ""],
        user=reviewer,
    )
    assert not errors_of(result)
    assert merged.citations.get().quote == "« la police italienne »"


def test_a_new_record_may_not_take_an_old_slug(merged, reviewer):
    result = run_import(
        models.Organisation,
        ["slug", "name_en", "kind"],
        ["polizia", "Polizia", "police"],
        ["fine", "Fine", "police"],
        user=reviewer,
    )
    [message] = errors_of(result)[(1, "slug")]
    assert "“polizia”" in message and "merged" in message
    assert not models.Organisation.objects.filter(slug__in=["polizia", "fine"]).exists()

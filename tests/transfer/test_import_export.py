"""Imports and exports: round trips, strict rows, escaping, the speed path, the admin.

Formats and size limits: test_formats_and_limits.py; hostile files: test_hostile_files.py;
formulas escaped in cells: test_escaping.py.
"""

import datetime
import io

import openpyxl
import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from import_export.formats.base_formats import CSV, JSON
from reversion.models import Revision, Version

from kb import models
from kb.transfer.formats import XLSX
from kb.transfer.resources import RESOURCES
from tests import factories as f
from tests.support import _form_data, _url, admin_export, admin_import, run_queued_jobs

pytestmark = pytest.mark.django_db

FORMATS = [CSV, XLSX, JSON]


def export_form(file_format):
    """The admin export form's data."""
    return {"format": str(FORMATS.index(file_format)), "resource": "0"}


def export_file(model, file_format):
    """What the admin's export sends for every row of a model."""
    fmt = file_format()
    resource = RESOURCES[model]()
    return fmt.export_data(resource.export(force_native_type=fmt.is_binary()))


def load(file_format, data):
    return file_format(encoding="utf-8").create_dataset(data)


def run_import(model, dataset, user, dry_run=False, name="file.csv"):
    return RESOURCES[model]().import_data(dataset, dry_run=dry_run, user=user, file_name=name)


def errors_of(result):
    """{(row, column): [messages]} of an import result."""
    found = {}
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            found[(row.number, column)] = list(messages)
    return found


def csv_dataset(headers, *rows):
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append(row)
    return CSV().create_dataset(CSV().export_data(data))


# Round trips -------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS, ids=lambda f: f.__name__)
def test_export_then_reimport_changes_nothing(seeded, reviewer, file_format):
    versions = Version.objects.count()
    for model, resource in RESOURCES.items():
        count = model.objects.count()
        assert count, f"the article's data has no {model.__name__}"
        result = run_import(model, load(file_format, export_file(model, file_format)), reviewer)
        assert not result.has_errors() and not result.has_validation_errors(), model
        assert result.totals["new"] == result.totals["update"] == 0, model
        assert result.totals["skip"] == count, model
        assert resource._meta.fields, model
    assert Version.objects.count() == versions  # nothing changed, nothing recorded


def test_exports_are_stable_and_name_relations_by_slug(seeded):
    data = export_file(models.Event, CSV).splitlines()
    assert data[0] == (
        "slug,status,name_en,name_fr,kind,parent,start_date,end_date,date_precision,"
        "city,country,organiser,topics,description_en,description_fr,identifiers"
    )
    assembly_row = next(line for line in data if line.startswith("interpol-general-assembly-93,"))
    assert ",interpol," in assembly_row  # the organiser by slug
    bka_meeting = "interpol-general-assembly-93-meeting-bka,"
    meeting_row = next(line for line in data if line.startswith(bka_meeting))
    assert "cybercrime,international-police-cooperation" in meeting_row.replace('"', "")
    assert export_file(models.Event, CSV).splitlines() == data


def test_an_empty_database_is_rebuilt_from_the_exports(seeded, reviewer):
    order = [
        models.Topic,
        models.Organisation,
        models.Person,
        models.Post,
        models.Membership,
        models.Event,
        models.Participation,
        models.Agreement,
        models.AgreementParty,
        models.Source,
        models.Claim,
        models.Citation,
    ]
    files = {model: export_file(model, CSV) for model in order}
    for model in reversed(order):
        if hasattr(model, "parent"):
            model.objects.update(parent=None)
        if model is models.Organisation:
            models.Source.objects.all().delete()
        model.objects.all().delete()
    for model in order:
        result = run_import(model, load(CSV, files[model]), reviewer, name=f"{model}.csv")
        assert not result.has_errors() and not result.has_validation_errors(), errors_of(result)
        assert result.totals["new"] == len(result.rows), model
    for model in order:
        assert export_file(model, CSV) == files[model], model
    assembly = models.Event.objects.get(slug="interpol-general-assembly-93")
    assert "marrakech" in assembly.search_text  # save() was bypassed, the column kept in step
    meeting = models.Event.objects.get(slug="interpol-general-assembly-93-meeting-bka")
    assert meeting.topics.count() == 4
    # The source's text, its flag and the quotes' translations come back as they were.
    source = models.Source.objects.get()
    assert source.text.startswith("Assemblée générale d’INTERPOL") and not source.publish_full_text
    assert not models.Citation.objects.filter(translation="").exists()
    assert set(models.Citation.objects.values_list("translation_by", flat=True)) == {"entente"}


# Invalid files -----------------------------------------------------------------

ORGANISATION_HEADERS = ["slug", "status", "name_en", "kind", "country", "parent", "aliases"]


def test_a_file_with_any_invalid_row_imports_nothing_and_names_each_error(reviewer):
    f.OrganisationFactory(slug="dgsn")
    data = csv_dataset(
        ORGANISATION_HEADERS,
        ["fine", "draft", "A valid row", "police", "FR", "dgsn", ""],
        ["bad-parent", "draft", "Unknown parent", "police", "FR", "nope", ""],
        ["bad-country", "draft", "Bad country", "police", "XX", "", ""],
        ["no-name", "draft", "", "", "FR", "", ""],
        ["bad-aliases", "draft", "Bad aliases", "police", "", "", "not json"],
    )
    before = (models.Organisation.objects.count(), Revision.objects.count())
    result = run_import(models.Organisation, data, reviewer)
    assert set(errors_of(result)) == {
        (2, "parent"),
        (3, "country"),
        (4, "name_en"),
        (4, "kind"),
        (5, "aliases"),
    }
    assert "nope" in errors_of(result)[(2, "parent")][0]
    assert (models.Organisation.objects.count(), Revision.objects.count()) == before


def test_unknown_many_to_many_slugs_are_refused(reviewer):
    f.TopicFactory(slug="cybercrime")
    data = csv_dataset(
        ["slug", "name_en", "kind", "topics"],
        ["meeting", "A meeting", "conference", "cybercrime, not-a-topic, nor-this"],
    )
    result = run_import(models.Event, data, reviewer)
    [message] = errors_of(result)[(1, "topics")]
    assert "“not-a-topic”" in message and "“nor-this”" in message
    assert not models.Event.objects.exists()


def test_dates_must_be_dates_and_run_forwards(reviewer):
    data = csv_dataset(
        ["slug", "name_en", "kind", "start_date", "end_date"],
        ["backwards", "Backwards", "conference", "2025-11-27", "2025-11-24"],
        ["not-a-date", "Not a date", "conference", "2025-13-45", "2025-11-24"],
        ["half", "Half a window", "conference", "2025-11-24", ""],
    )
    result = run_import(models.Event, data, reviewer)
    errors = errors_of(result)
    assert "on or after the start date" in errors[(1, "end_date")][0]
    assert "YYYY-MM-DD" in errors[(2, "start_date")][0]
    assert (3, "end_date") in errors
    assert not models.Event.objects.exists()


def test_join_rows_need_known_ends_and_a_participant(reviewer):
    event = f.EventFactory(slug="meeting")
    f.OrganisationFactory(slug="dgsn")
    data = csv_dataset(
        ["event", "organisation", "person", "post", "role"],
        ["meeting", "", "", "", "host"],
        ["no-such-meeting", "dgsn", "", "", "host"],
        ["meeting", "dgsn", "", "", "boss"],
        ["", "dgsn", "", "", "host"],
    )
    errors = errors_of(run_import(models.Participation, data, reviewer))
    assert "Name an organisation" in errors[(1, "organisation")][0]
    assert "no-such-meeting" in errors[(2, "event")][0]
    assert (3, "role") in errors
    assert errors[(4, "event")] == ["This field is required."]
    assert not event.participations.exists()


def test_a_key_twice_in_one_file_is_an_error(reviewer):
    data = csv_dataset(
        ["slug", "name_en", "kind"], ["same", "One", "police"], ["same", "Two", "police"]
    )
    errors = errors_of(run_import(models.Organisation, data, reviewer))
    assert "Row 1" in errors[(2, "slug")][0]


def test_unknown_columns_are_refused(reviewer):
    data = csv_dataset(["slug", "nmae_en"], ["x", "typo"])
    result = run_import(models.Organisation, data, reviewer)
    [error] = result.base_errors
    assert "nmae_en" in str(error.error)


def test_only_reviewers_change_a_status_by_import(editor, reviewer):
    draft = f.OrganisationFactory(slug="draft-one", status=models.Status.DRAFT)
    data = csv_dataset(
        ["slug", "status", "name_en", "kind"],
        ["draft-one", "published", "Draft one", "police"],
        ["new-published", "published", "New", "police"],
        ["new-draft", "draft", "New draft", "police"],
    )
    errors = errors_of(run_import(models.Organisation, data, editor))
    assert set(errors) == {(1, "status"), (2, "status")}
    assert "Only reviewers" in errors[(1, "status")][0]
    result = run_import(models.Organisation, data, reviewer)
    assert result.totals == {**result.totals, "new": 2, "update": 1}
    draft.refresh_from_db()
    assert draft.status == models.Status.PUBLISHED


# What an import writes ---------------------------------------------------------


def test_an_import_writes_one_revision_per_record_with_its_user(reviewer):
    f.TopicFactory(slug="cybercrime")
    existing = f.EventFactory(slug="existing", name_en="Old name")
    data = csv_dataset(
        ["slug", "name_en", "kind", "topics", "parent"],
        ["child", "Child", "bilateral_meeting", "cybercrime", "parent-new"],
        ["parent-new", "Parent", "general_assembly", "", ""],
        ["existing", "New name", "bilateral_meeting", "", ""],
    )
    result = run_import(models.Event, data, reviewer, name="events.csv")
    assert (result.totals["new"], result.totals["update"]) == (2, 1)
    child = models.Event.objects.get(slug="child")
    assert child.parent.slug == "parent-new"  # a parent new in the same file, listed later
    assert [t.slug for t in child.topics.all()] == ["cybercrime"]
    for slug in ("child", "parent-new", "existing"):
        [version] = Version.objects.get_for_object(models.Event.objects.get(slug=slug))
        assert version.revision.user == reviewer
        assert version.revision.comment == "Imported from events.csv"
        assert version.revision.version_set.count() == 1
    assert Version.objects.get_for_object(child).get().field_dict["topics"] == [
        models.Topic.objects.get().pk
    ]
    existing.refresh_from_db()
    assert existing.name_en == "New name"
    assert "new name" in existing.search_text


def test_citations_are_imported_with_source_and_quote(reviewer):
    source = f.SourceFactory(slug="article")
    organisation = f.OrganisationFactory(slug="dgsn")
    event = f.EventFactory(slug="meeting")
    f.ParticipationFactory(event=event, organisation=organisation, person=None)
    data = csv_dataset(
        ["record_type", "record", "source", "quote", "translation", "translation_by"],
        ["organisation", "dgsn", "article", "Le pôle DGSN-DGST", "The DGSN-DGST", "entente"],
        ["participation", "meeting|dgsn||", "article", "Une rencontre", "", ""],
        ["participation", "meeting|other||", "article", "Unknown", "", ""],
        ["nothing", "x", "article", "Unknown type", "", ""],
        # A translation says who made it, and only a translation does.
        ["organisation", "dgsn", "article", "Sans traducteur", "Without translator", ""],
        ["organisation", "dgsn", "article", "Sans traduction", "", "source"],
        ["organisation", "dgsn", "article", "Traducteur inconnu", "Unknown", "someone"],
    )
    errors = errors_of(run_import(models.Citation, data, reviewer))
    assert set(errors) == {
        (3, "record"),
        (4, "record_type"),
        (5, "translation_by"),
        (6, "translation"),
        (7, "translation_by"),
    }
    result = run_import(models.Citation, csv_dataset(data.headers, *data[:2]), reviewer)
    assert result.totals["new"] == 2
    citation = organisation.citations.get()
    assert (citation.source, citation.quote) == (source, "Le pôle DGSN-DGST")
    assert (citation.translation, citation.translation_by) == ("The DGSN-DGST", "entente")
    assert event.participations.get().citations.get().quote == "Une rencontre"
    again = run_import(models.Citation, load(CSV, export_file(models.Citation, CSV)), reviewer)
    assert again.totals["skip"] == 2


def test_validation_costs_no_query_per_row(reviewer):
    counts = []
    for size in (5, 40):  # within one INSERT batch of SQLite's
        f.OrganisationFactory(slug=f"parent-{size}")
        rows = [
            [f"org-{size}-{i}", f"Org {i}", "police", "FR", f"parent-{size}"] for i in range(size)
        ]
        data = csv_dataset(["slug", "name_en", "kind", "country", "parent"], *rows)
        with CaptureQueriesContext(connection) as queries:
            result = run_import(models.Organisation, data, reviewer)
        assert result.totals["new"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# Through the admin -------------------------------------------------------------


def test_import_admin_round_trip_with_a_date(staff_client):
    f.EventFactory(slug="meeting", start_date=datetime.date(2025, 11, 24))
    response = admin_export(staff_client, models.Event, export_form(XLSX))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith('attachment; filename="Event-')
    response = admin_import(
        staff_client, models.Event, response.content, "1", "events.xlsx", check_first=True
    )
    assert response.context["report"]["unchanged"] == 1


# The "done when", through the admin -----------------------------------------


def test_an_editor_round_trips_organisations_through_xlsx(seeded, client, reviewer):
    """Download as XLSX, add ten rows and fix two, re-import with a preview, see the
    history of a fixed record and revert it, delete a record and restore it."""
    client.force_login(reviewer)
    count = models.Organisation.objects.count()
    response = admin_export(client, models.Organisation, export_form(XLSX))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    column = {name: i + 1 for i, name in enumerate(headers)}
    fixed = {}
    for row in (2, 3):
        slug = sheet.cell(row, column["slug"]).value
        fixed[slug] = sheet.cell(row, column["name_fr"]).value
        sheet.cell(row, column["name_fr"]).value = f"{fixed[slug]} (corrigé)"
    for i in range(10):
        values = {"slug": f"new-police-{i}", "status": "draft", "name_en": f"New police {i}"}
        values.update(kind="police", country="FR", parent="interpol" if i == 0 else None)
        sheet.append([values.get(name) for name in headers])
    upload = io.BytesIO()
    book.save(upload)

    preview = admin_import(
        client, models.Organisation, upload.getvalue(), "1", "organisations.xlsx", True
    )
    report = preview.context["report"]
    assert (report["new"], report["updated"], report["unchanged"]) == (10, 2, count - 2)
    assert f"10 new, 2 updated, {count - 2} unchanged." in preview.text
    assert models.Organisation.objects.count() == count  # a check writes nothing
    assert preview.context["can_import"]
    job = preview.context["job"]
    response = client.post(reverse("admin:kb_job_import", args=(job.pk,)))
    run_queued_jobs()
    response = client.get(response["Location"])
    assert response.context["job"].state == "done"
    assert "10 new, 2 updated" in response.text
    assert models.Organisation.objects.count() == count + 10
    assert models.Organisation.objects.get(slug="new-police-0").parent.slug == "interpol"

    slug, original = next(iter(fixed.items()))
    organisation = models.Organisation.objects.get(slug=slug)
    assert organisation.name_fr == f"{original} (corrigé)"
    history = client.get(_url(models.Organisation, "history", organisation.pk))
    imported, loaded = history.context["action_list"]  # newest first
    assert imported["revision"].comment == "Imported from organisations.xlsx"
    assert imported["revision"].user == reviewer
    assert client.post(loaded["url"], _form_data(client.get(loaded["url"]))).status_code == 302
    organisation.refresh_from_db()
    assert organisation.name_fr == original

    # Organisations that took part in a meeting are protected from deletion;
    # one of the new ones, given a citation, is not.
    organisation = models.Organisation.objects.get(slug="new-police-1")
    f.CitationFactory(record=organisation, source=models.Source.objects.get(), quote="Citée")
    client.post(_url(models.Organisation, "delete", organisation.pk), {"post": "yes"})
    assert not models.Organisation.objects.filter(pk=organisation.pk).exists()
    assert not models.Citation.objects.filter(quote="Citée").exists()
    [version] = client.get(_url(models.Organisation, "recoverlist")).context["deleted"]
    recover = reverse("admin:kb_organisation_recover", args=[version.pk])
    assert client.post(recover, _form_data(client.get(recover))).status_code == 302
    restored = models.Organisation.objects.get(pk=organisation.pk)
    assert [c.quote for c in restored.citations.all()] == ["Citée"]

"""The bulk files, built once for the module from the seed plus what must never show.

Each format is checked with its own tool: the Data Package with
`frictionless validate` (the library, in this process), the SQLite file
opened by Datasette in this process (a table page, a full-text search, a
foreign key's label), the JSON against the API's own answers. No file
holds a draft, a user, history or a job, and the tables count what the
public may see.
"""

import asyncio
import csv
import io
import json
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from frictionless import validate

from kb.exports.bulk import catalogue, publish
from kb.exports.bulk.build import build
from kb.lib import dataset
from kb.models import (
    AgreementParty,
    Citation,
    DownloadFile,
    Event,
    Membership,
    Organisation,
    Participation,
    Status,
    Topic,
)
from tests import factories
from tests.downloads import storages_in
from tests.support import restore

SITE = "http://testserver"
DRAFT_SLUG = "draft-hidden-organisation"
DRAFT_WORDS = "Hidden draft quote"
SECRETS = [
    DRAFT_SLUG.encode(),
    b"Hidden Draft Name",
    DRAFT_WORDS.encode(),
    b"draft-hidden-topic",
    b"hidden-editor",
    b"hidden-editor@example.org",
    b"Q999999",
    # History: the seed's revisions carry this comment.
    b"Loaded from fixtures/",
    # The article's stored text, which may not be published: words no quote holds.
    b"souhaitant approfondir les",
    b"Plusieurs partenaires ont exprim",
]


@dataclass
class Built:
    directory: Path
    files: dict  # name -> Path of the copy served
    child: str  # a published organisation whose parent is the draft


def hide_things():
    """A draft, facts and links that name it, an account, identifiers: none may show."""
    draft = factories.OrganisationFactory(
        slug=DRAFT_SLUG, name_en="Hidden Draft Name", status=Status.DRAFT
    )
    child = factories.OrganisationFactory(slug="child-of-a-draft", parent=draft)
    assembly = Event.objects.get(slug="interpol-general-assembly-93")
    factories.ParticipationFactory(event=assembly, organisation=draft)
    factories.CitationFactory(
        record=draft, source=assembly.citations.first().source, quote=DRAFT_WORDS
    )
    hidden_topic = factories.TopicFactory(slug="draft-hidden-topic", status=Status.DRAFT)
    assembly.topics.add(hidden_topic)
    factories.IdentifierFactory(record=draft, value="Q999999")
    factories.IdentifierFactory(record=child, value="Q42")
    get_user_model().objects.create_user("hidden-editor", "hidden-editor@example.org", "pw")
    return child.slug


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, seed_snapshot, tmp_path_factory):
    root = tmp_path_factory.mktemp("bulk")
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        transaction.atomic(using="jobs"),
        override_settings(STORAGES=storages_in(root / "store"), SITE_URL=SITE),
    ):
        restore(seed_snapshot)
        child = hide_things()
        build(SITE)
        files = {
            row.name: Path(publish.storage().path(row.stored_name))
            for row in DownloadFile.objects.all()
        }
        yield Built(root, files, child)
        transaction.set_rollback(True, using="jobs")
        transaction.set_rollback(True)


@pytest.fixture
def bulk(built, db):
    """The built files, with the data they were built from (each test in a savepoint)."""
    return built


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def csv_rows(built, table):
    text = members(built.files["entente-csv.zip"])[f"{table}.csv"].decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_every_file_is_built_and_its_digest_is_its_bytes(bulk):
    assert set(bulk.files) == {f.name for f in catalogue.FILES}
    for row in DownloadFile.objects.all():
        assert publish.digest(bulk.files[row.name]) == (row.sha256, row.size)


def test_the_data_package_is_valid(bulk):
    directory = bulk.directory / "csv"
    with zipfile.ZipFile(bulk.files["entente-csv.zip"]) as archive:
        archive.extractall(directory)
    report = validate(directory / "datapackage.json")
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "message"])
    package = json.loads((directory / "datapackage.json").read_text())
    assert package["licenses"] == [
        {"name": "CC-BY-4.0", "path": dataset.LICENCE_URL, "title": dataset.LICENCE_NAME}
    ]
    resources = {r["name"]: r for r in package["resources"]}
    assert resources["organisations"]["schema"]["primaryKey"] == ["slug"]
    assert {
        "fields": "parent",
        "reference": {"resource": "", "fields": "slug"},
    } in resources["organisations"]["schema"]["foreignKeys"]
    assert "connections" in resources


def test_tables_count_what_the_public_sees(bulk):
    # Round trip: the seed's counts (and the published additions), never the hidden ones.
    expected = {
        "organisations": Organisation.objects.filter(status=Status.PUBLISHED).count(),
        "events": Event.objects.count(),
        "topics": Topic.objects.count() - 1,
        "participations": Participation.objects.count() - 1,
        "agreement_parties": AgreementParty.objects.count(),
        "memberships": Membership.objects.count(),
        "citations": Citation.objects.count() - 1,
    }
    assert expected["organisations"] == Organisation.objects.count() - 1
    for table, count in expected.items():
        assert len(csv_rows(bulk, table)) == count, table
    db = sqlite3.connect(bulk.files["entente.db"])
    for table, count in expected.items():
        assert db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0] == count, table
    # Who met whom: the meetings' counterparts, as the connections page counts them.
    assert len(csv_rows(bulk, "connections")) == 54


def test_references_to_drafts_are_empty(bulk):
    child = next(r for r in csv_rows(bulk, "organisations") if r["slug"] == bulk.child)
    assert child["parent"] == ""
    assert child["identifiers"] == "wikidata:Q42"
    assembly = next(
        r for r in csv_rows(bulk, "events") if r["slug"] == "interpol-general-assembly-93"
    )
    assert "draft-hidden-topic" not in assembly["topics"]


def test_no_file_holds_a_draft_a_user_or_history(bulk):
    for name, path in bulk.files.items():
        data = path.read_bytes()
        contents = members(path) if name.endswith(".zip") else {name: data}
        for member, content in contents.items():
            for secret in SECRETS:
                assert secret not in content, (name, member, secret)
    db = sqlite3.connect(bulk.files["entente.db"])
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for prefix in ("auth_", "django_", "reversion_", "kb_", "axes_"):
        assert not any(t.startswith(prefix) for t in tables), prefix


def datasette_get(bulk, *paths):
    from datasette.app import Datasette

    metadata = json.loads(bulk.files["entente.metadata.json"].read_text())
    # Datasette names a database after its file: the served copy's name carries its digest.
    path = bulk.directory / "entente.db"
    if not path.exists():
        path.write_bytes(bulk.files["entente.db"].read_bytes())

    async def run():
        datasette = Datasette(files=[str(path)], metadata=metadata)
        await datasette.invoke_startup()
        return [await datasette.client.get(p) for p in paths]

    return asyncio.run(run())


def test_the_sqlite_file_opens_in_datasette(bulk):
    index, table, search, labels, about = datasette_get(
        bulk,
        "/",
        "/entente/organisations",
        "/entente/organisations.json?_search=bundeskriminalamt&_shape=array",
        "/entente/participations.json?_labels=on&_shape=array&organisation=bka",
        "/entente/about.json?_shape=array",
    )
    assert index.status_code == 200
    assert dataset.LICENCE_NAME in index.text  # the metadata's licence, on every page
    assert table.status_code == 200
    assert "Federal Criminal Police Office" in table.text
    assert 'name="_search"' in table.text  # Datasette found the full-text index
    assert search.status_code == 200
    assert [row["slug"] for row in search.json()] == ["bka"]
    assert labels.status_code == 200
    (meeting,) = labels.json()
    assert meeting["event"]["value"] == "interpol-general-assembly-93-meeting-bka"
    assert meeting["organisation"]["label"] == "Federal Criminal Police Office"
    assert {r["key"]: r["value"] for r in about.json()}["licence_id"] == "CC-BY-4.0"


def test_the_json_files_are_the_api(bulk, client):
    files = members(bulk.files["entente-json.zip"])
    for name in ("organisations", "events", "claims"):
        api = client.get(f"/api/v1/{name}/?page_size=200").json()
        assert json.loads(files[f"{name}.json"]) == api["results"], name
    api = client.get("/api/v1/connections/?page_size=200").json()
    assert json.loads(files["connections.json"]) == api["results"]
    about = json.loads(files["about.json"])
    assert about["license"]["id"] == "CC-BY-4.0"
    assert about["source"] == f"{SITE}/"


def test_the_ftm_and_popolo_files_are_the_exports(bulk):
    # Their content is tests/exports/test_ftm.py's and test_popolo's: here, that they are whole.
    lines = bulk.files["entente.ftm.json"].read_bytes().splitlines()
    entities = [json.loads(line) for line in lines]
    assert all(entity["id"] and entity["schema"] for entity in entities)
    assert "Event" in {entity["schema"] for entity in entities}
    popolo = json.loads(bulk.files["entente-popolo.json"].read_bytes())
    assert popolo["organizations"]
    # The FtM file's licence, in FtM's own description of the dataset beside it.
    described = json.loads(bulk.files["entente.ftm-dataset.json"].read_bytes())
    assert described["license"] == dataset.LICENCE_URL


def test_the_command_builds_only_what_is_absent(bulk, tmp_path, settings):
    settings.STORAGES = storages_in(tmp_path)
    out = io.StringIO()
    call_command("downloads", "--if-absent", stdout=out)
    assert "nothing to do" in out.getvalue()
    DownloadFile.objects.filter(name="entente.db").delete()
    call_command("downloads", "--if-absent", stdout=out)
    assert f"Built {len(catalogue.FILES)} files" in out.getvalue()
    assert DownloadFile.objects.count() == len(catalogue.FILES)

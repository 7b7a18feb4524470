"""The Popolo export, validated against the Popolo project's own JSON schemas."""

import json

import pytest
from django.utils import translation

from kb import models
from kb.exports import popolo
from kb.lib import dataset
from tests.exports.checks import build, check_popolo, opensanctions_id, popolo_validators, qid

BASE = "https://entente.example/"


@pytest.fixture(scope="module")
def validators():
    return popolo_validators()


def export(scope=None, base_url=BASE):
    return json.loads(b"".join(popolo.chunks(scope, base_url=base_url)))


def references(document):
    """Every id an object names: (collection, field, id)."""
    for collection in ("persons", "organizations", "posts", "memberships", "events"):
        for item in document[collection]:
            for field in ("parent_id", "organization_id", "person_id", "post_id"):
                if field in item:
                    yield collection, field, item[field]
            for attendee in item.get("attendees", []):
                yield collection, "attendees", attendee["id"]
            for participant in item.get("+participants", []):
                for field, value in participant.items():
                    if field.endswith("_id"):
                        yield collection, field, value


def test_the_seed_is_valid_popolo_with_the_seed_counts(seeded, validators):
    document = export()
    ids = check_popolo(document, validators)
    for collection, field, value in references(document):
        assert value in ids, (collection, field, value)
    assert len(document["persons"]) == models.Person.objects.published().count()
    assert len(document["organizations"]) == models.Organisation.objects.published().count()
    assert len(document["posts"]) == models.Post.objects.published().count()
    assert len(document["memberships"]) == models.Membership.objects.count()
    assert len(document["events"]) == models.Event.objects.published().count()
    assert document["meta"]["license"] == dataset.LICENCE_URL
    assert dataset.LICENCE_ID in document["meta"]["rights"]
    hammouchi = document["persons"][0]
    assert hammouchi["id"] == "entente-person-abdellatif-hammouchi"
    # Every fact cites its quote: the source's page, since its address is unknown.
    assert (
        hammouchi["sources"][0]["url"] == f"{BASE}en/sources/interpol-ga-93-hammouchi-bilaterals/"
    )
    meeting = next(e for e in document["events"] if e["id"].endswith("-meeting-bka"))
    assert meeting["parent_id"] == "entente-event-interpol-general-assembly-93"
    assert (meeting["start_date"], meeting["end_date"]) == ("2025-11", "2025-11")
    roles = {p["role"] for p in meeting["+participants"]}
    assert roles == {"host", "counterpart"}


def test_every_kind_of_row_is_valid_and_drafts_stay_out(db, validators):
    build(2)
    document = export()
    ids = check_popolo(document, validators)
    for collection, field, value in references(document):
        assert value in ids, (collection, field, value)
    assert "entente-organisation-x-draft" not in ids
    host = next(o for o in document["organizations"] if o["id"] == "entente-organisation-x-host")
    assert host["identifiers"] == [
        {"scheme": "opensanctions", "identifier": opensanctions_id("x")},
        {"scheme": "wikidata", "identifier": qid("x", 999)},
    ]
    assert host["+country"] == "MA"
    police = next(o for o in document["organizations"] if o["id"].endswith("x-police-0"))
    assert police["parent_id"] == "entente-organisation-x-ministry"
    assembly = next(e for e in document["events"] if e["id"].endswith("x-assembly"))
    assert assembly["identifiers"] == [{"scheme": "wikidata", "identifier": qid("x", 0)}]
    assert assembly["organization_id"] == "entente-organisation-x-host"
    meeting = next(e for e in document["events"] if e["id"].endswith("x-meeting-0"))
    assert [a["id"] for a in meeting["attendees"]] == ["entente-person-x-chief-0"]
    assert all(
        p.get("organization_id") != "entente-organisation-x-draft" for p in meeting["+participants"]
    )
    notes = [s["note"] for s in meeting["sources"]]
    assert "Caché 0." not in notes  # a draft source's quote
    memberships = document["memberships"]
    assert len(memberships) == 4
    assert sum("post_id" in m for m in memberships) == 2
    report_quote = next(m for m in memberships if "post_id" in m)["sources"][0]
    assert report_quote["url"] == "https://example.org/reports/annual.pdf"


def test_names_follow_the_language(db, validators):
    build(1)
    with translation.override("fr"):
        document = export()
    check_popolo(document, validators)
    post = document["posts"][0]
    assert post["label"].startswith("Poste") and post["other_label"][0].startswith("Post")
    host = next(o for o in document["organizations"] if o["id"].endswith("x-host"))
    assert host["name"].endswith("(fr)")
    assert host["other_names"][0]["note"] == "nom anglais"


def test_the_pieces_make_one_document_even_when_empty(db, validators):
    document = export(base_url=None)
    check_popolo(document, validators)
    assert document["persons"] == [] and "source" not in document["meta"]

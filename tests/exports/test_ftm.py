"""The FollowTheMoney export, checked by the followthemoney library itself."""

import datetime
import json

import pytest
from django.http import QueryDict
from django.utils import translation
from followthemoney.types import registry as ftm_types
from hypothesis import given, settings
from hypothesis import strategies as st

from kb import models
from kb.exports import ftm, popolo, records
from kb.filtering.exports import ExportScope, visible
from kb.lib import dataset
from kb.lib.text import SLUG_RE
from tests.exports.checks import (
    build,
    check_references,
    opensanctions_id,
    qid,
    read_ftm,
    schema_counts,
)

BASE = "https://entente.example/"


def export(scope=None, base_url=BASE):
    return read_ftm(b"".join(ftm.lines(scope, base_url=base_url)))


def visible_citations(*cited):
    """Citations whose source is published, of rows of these types that the public sees."""
    total = 0
    for model in cited:
        total += (
            visible(models.Citation)
            .filter(
                content_type__model=model._meta.model_name,
                object_id__in=visible(model).values("pk"),
            )
            .count()
        )
    return total


def test_the_seed_round_trips_entity_counts_by_type(seeded):
    entities = export()
    check_references(entities)
    counts = schema_counts(entities)
    organisations = models.Organisation.objects.published()
    public_bodies = organisations.filter(kind__in=ftm.PUBLIC_BODIES).count()
    assert counts.get("PublicBody", 0) == public_bodies
    assert counts.get("Organization", 0) == organisations.count() - public_bodies
    assert counts["Person"] == models.Person.objects.published().count()
    assert counts["Position"] == models.Post.objects.published().count()
    memberships = models.Membership.objects.count()
    assert counts.get("Occupancy", 0) + counts.get("Membership", 0) == memberships
    assert counts["Event"] == models.Event.objects.published().count()
    assert counts["Contract"] == models.Agreement.objects.published().count()
    assert counts["Article"] + counts.get("Document", 0) == models.Source.objects.count()
    # One Documentation per quote: every citation but the topics' and the claim's.
    assert counts["Documentation"] == visible_citations(*records.CITATION_KEYS)
    assert (
        counts["Documentation"]
        == models.Citation.objects.exclude(content_type__model__in=["topic", "claim"]).count()
    )
    links = (
        organisations.filter(parent__isnull=False).count()
        + models.Event.objects.filter(parent__isnull=False).count()
        + models.Agreement.objects.filter(signed_at__isnull=False).count()
        + models.AgreementParty.objects.exclude(role="signatory").count()
        + models.Source.objects.filter(attributed_to__isnull=False).count()
    )
    assert counts["UnknownLink"] == links
    # The article's facts, in FtM's terms.
    meeting = entities["entente-event-interpol-general-assembly-93-meeting-bka"]
    assert set(meeting.get("involved")) == {
        "entente-organisation-bka",
        "entente-organisation-pole-dgsn-dgst",
        "entente-person-abdellatif-hammouchi",
    }
    assert meeting.get("date") == ["2025-11"]  # some day of 24-27 November: not a span
    assert meeting.get("startDate") == []
    assembly = entities["entente-event-interpol-general-assembly-93"]
    assert (assembly.get("startDate"), assembly.get("endDate")) == (["2025-11-24"], ["2025-11-27"])
    assert assembly.get("organizer") == ["entente-organisation-interpol"]
    contract = entities["entente-agreement-pole-dgsn-dgst-norwegian-national-police-agreement"]
    assert set(contract.get("authority")) == {
        "entente-organisation-pole-dgsn-dgst",
        "entente-organisation-norwegian-national-police",
    }
    article = entities["entente-source-interpol-ga-93-hammouchi-bilaterals"]
    assert article.schema.name == "Article" and article.get("language") == ["fra"]
    quotes = [e for e in entities.values() if e.schema.name == "Documentation"]
    assert all(q.get("document") == [article.id] for q in quotes)


def test_every_kind_of_row_validates_and_drafts_stay_out(db):
    build(3)
    entities = export()
    check_references(entities)
    ids = set(entities)
    assert "entente-organisation-x-draft" not in ids
    assert "entente-source-x-hidden" not in ids
    assert not any(
        "Caché" in q for e in entities.values() for q in e.get("description", quiet=True)
    )
    counts = schema_counts(entities)
    assert counts["Occupancy"] == 3 and counts["Membership"] == 3
    assert counts["Document"] == 1 and counts["Article"] == 1
    # Per meeting: 5 records, its participation, the witness and the post holding; the assembly.
    assert counts["Documentation"] == 3 * 8 + 1

    host = entities["entente-organisation-x-host"]
    assert host.referents == {opensanctions_id("x")}  # OpenSanctions
    assert host.get("wikidataId") == [qid("x", 999)]
    assert entities["entente-person-x-chief-1"].get("wikidataId") == [qid("x", 2)]
    assert entities["entente-event-x-assembly"].get("wikidataId") == [qid("x", 0)]
    assert entities["entente-organisation-x-ministry"].schema.name == "PublicBody"
    assert host.get("sourceUrl") == [f"{BASE}en/organisations/x-host/"]

    report = entities["entente-source-x-report"]
    assert report.get("fileName") == ["annual.pdf"]
    assert report.get("publishedAt") == ["2025-12-01"]
    assert report.get("sourceUrl") == ["https://example.org/reports/annual.pdf"]

    contract = entities["entente-agreement-x-agreement-0"]
    assert contract.get("authority") == ["entente-organisation-x-host"]
    assert len(contract.get("keywords")) == 1  # its topic
    links = {
        (e.first("subject"), e.first("role"), e.first("object"))
        for e in entities.values()
        if e.schema.name == "UnknownLink"
    }
    assert ("entente-organisation-x-police-0", "Witness", contract.id) in links
    assert (contract.id, ftm.SIGNED_AT, "entente-event-x-meeting-0") in links
    assert ("entente-event-x-meeting-0", ftm.PART_OF, "entente-event-x-assembly") in links
    assert (
        "entente-organisation-x-police-0",
        ftm.PART_OF,
        "entente-organisation-x-ministry",
    ) in links
    assert ("entente-source-x-article", ftm.ATTRIBUTED_TO, "entente-organisation-x-host") in links

    # A join row's quote documents the record that carries it.
    documented = {
        (e.first("entity"), e.first("description"))
        for e in entities.values()
        if e.schema.name == "Documentation"
    }
    assert ("entente-event-x-meeting-0", "Participation 0.") in documented
    assert (contract.id, "Témoin 0.") in documented
    assert ("entente-person-x-chief-0", "Poste 0.") in documented
    # The draft counterpart took part, unseen.
    meeting = entities["entente-event-x-meeting-0"]
    assert "entente-organisation-x-draft" not in meeting.get("involved")


def test_exports_are_stable_and_every_line_ends_a_line(db):
    build(2)
    first = b"".join(ftm.lines())
    assert first == b"".join(ftm.lines())
    assert all(line.endswith(b"\n") for line in ftm.lines())
    # Ids come from slugs and keys, not from database ids: a copy of the data gives the same.
    models.Organisation.objects.filter(slug="x-police-0").update(name_en="Renamed")
    assert {line.split(b",")[0] for line in ftm.lines()} == {
        line.split(b",")[0] for line in first.splitlines(keepends=True)
    }


@pytest.mark.parametrize("query", ["", "parent=x-assembly"])
def test_small_batches_give_the_same_export(db, query):
    build(3)
    whole = b"".join(ftm.lines(ExportScope(QueryDict(query))))
    small = b"".join(ftm.lines(ExportScope(QueryDict(query), batch_size=2)))
    assert sorted(small.splitlines()) == sorted(whole.splitlines())
    document = b"".join(popolo.chunks(ExportScope(QueryDict(query), batch_size=2)))
    assert json.loads(document) == json.loads(
        b"".join(popolo.chunks(ExportScope(QueryDict(query))))
    )


def test_names_follow_the_language_and_the_other_is_an_alias(db):
    build(1)
    with translation.override("fr"):
        entities = export()
    meeting = entities["entente-event-x-meeting-0"]
    assert meeting.get("name")[0].startswith("Événement")
    assert meeting.get("alias")[0].startswith("Event")
    assert entities["entente-organisation-x-host"].get("legalForm") == ["Police"]


def test_the_dataset_metadata_states_the_licence():
    metadata = ftm.dataset_metadata("https://entente.example/")
    assert metadata["license"] == dataset.LICENCE_URL
    assert metadata["name"] == "entente"


# --- Ids and dates ----------------------------------------------------------------------


@settings(deadline=None, max_examples=200, derandomize=True)
@given(st.lists(st.from_regex(SLUG_RE, fullmatch=True), min_size=2, max_size=2, unique=True))
def test_record_ids_are_valid_ftm_ids_and_never_collide(slugs):
    ids = [records.record_id("organisation", slug) for slug in slugs]
    assert len(set(ids)) == 2
    for entity_id in ids:
        assert ftm_types.entity.validate(entity_id)
        assert len(entity_id) <= records.MAX_ID_LENGTH


def test_plain_slugs_read_in_their_ids():
    assert records.record_id("organisation", "bka") == "entente-organisation-bka"
    assert records.record_id("post", "a_b").startswith("entente-post.")


@pytest.mark.parametrize(
    ("start", "end", "precision", "stated"),
    [
        ("2025-11-24", "2025-11-27", "exact", ("2025-11-24", "2025-11-27")),
        ("2025-11-24", "2025-11-27", "within", ("2025-11", "2025-11")),
        ("2025-11-24", "2025-12-02", "within", ("2025", "2025")),
        ("2025-12-30", "2026-01-02", "within", (None, None)),
        ("2025-11-24", "2025-11-24", "within", ("2025-11-24", "2025-11-24")),
        (None, None, "within", (None, None)),
    ],
)
def test_a_window_is_stated_no_more_precisely_than_known(start, end, precision, stated):
    day = lambda text: datetime.date.fromisoformat(text) if text else None  # noqa: E731
    assert records.stated_dates(day(start), day(end), precision) == stated

"""kb/domain/cooperation.py: the map's counts, the network and the timeline, on the article's
data and on made-up rows that probe each rule (drafts, posts, holders, truncation, limits)."""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kb import models
from kb.domain import cooperation
from kb.filtering.scope import CooperationScope
from tests import factories

pytestmark = pytest.mark.django_db

ASSEMBLY = "interpol-general-assembly-93"
POLE = "organisation:pole-dgsn-dgst"
NORWAY = "norwegian-national-police"
ETHIOPIA = "ethiopian-federal-police"
BODIES = {
    "interpol",
    "council-of-arab-interior-ministers",
    "naif-arab-university-for-security-sciences",
    "un-department-of-peace-operations",
}


def scope(query=""):
    found = CooperationScope(QueryDict(query))
    assert found.is_valid(), found.errors
    return found


def counts(query=""):
    found = scope(query)
    return cooperation.country_counts(found.events, found.agreements)


def graph(query="", max_nodes=2000):
    found = scope(query)
    return cooperation.graph(found.events, found.agreements, max_nodes)


def timeline(query="", group="region", limit=2000):
    found = scope(query)
    return cooperation.timeline(found.events, found.agreements, group=group, limit=limit)


def neighbours(result, node_id, kind=None):
    return {
        e.target if e.source == node_id else e.source
        for e in result.edges
        if node_id in (e.source, e.target) and (kind is None or e.kind == kind)
    }


# --- The article's data ------------------------------------------------------------------


def test_assembly_counterparts_by_country_and_region(seeded):
    result = counts(f"parent={ASSEMBLY}")
    met = [row for row in result.countries if row.counterpart_events > 0]
    assert len(met) == 48
    assert {(r.slug, r.countries) for r in result.regions} == {
        ("europe", 19),
        ("africa", 15),
        ("latin-america-caribbean", 5),
        ("asia", 9),
    }
    assert [r.slug for r in result.regions] == [
        "europe",
        "africa",
        "asia",
        "latin-america-caribbean",
    ]
    morocco = next(row for row in result.countries if row.code == "MA")
    assert morocco.host is True
    assert morocco.hosted_events == 52
    assert morocco.counterpart_events == 0
    assert morocco.agreements == 2
    assert morocco.numeric == "504"
    assert {row.slug for row in result.international} == BODIES
    assert all(row.counterpart_events == 1 for row in result.international)


def test_country_rows_are_sorted_and_add_up(seeded):
    result = counts(f"parent={ASSEMBLY}")
    norway = next(row for row in result.countries if row.code == "NO")
    assert (norway.counterpart_events, norway.agreements, norway.total) == (1, 1, 2)
    assert norway.numeric == "578" and norway.region == "europe" and norway.host is False
    assert all(r.total == r.counterpart_events + r.agreements for r in result.countries)
    keys = [(-r.total, r.name.casefold()) for r in result.countries]
    assert keys == sorted(keys)
    assert result.max_total == 2
    # Three-digit numeric codes, zero-padded (the world atlas' ids).
    argentina = next(row for row in result.countries if row.code == "AR")
    assert argentina.numeric == "032"


def test_names_follow_the_active_language(seeded):
    with translation.override("fr"):
        result = counts(f"parent={ASSEMBLY}")
        nodes = {n.id: n for n in graph(f"parent={ASSEMBLY}").nodes}
    by_code = {row.code: row for row in result.countries}
    assert by_code["NO"].name == "Norvège"
    assert by_code["NO"].region_name == "Europe"
    assert by_code["MA"].region_name == "Afrique"
    assert by_code["BR"].region_name == "Amérique latine et Caraïbes"
    bodies = {row.slug: row.name for row in result.international}
    assert bodies["interpol"] == "Organisation internationale de police criminelle"
    assert nodes[POLE].name == "pôle DGSN-DGST"
    assert nodes[POLE].names == {"en": "DGSN-DGST pole", "fr": "pôle DGSN-DGST"}
    with translation.override("en"):
        assert {r.code: r.name for r in counts(f"parent={ASSEMBLY}").countries}["NO"] == "Norway"


def test_assembly_graph(seeded):
    result = graph(f"parent={ASSEMBLY}")
    met = neighbours(result, POLE, "meeting")
    assert len(met) == 52
    assert "organisation:interpol" in met
    assert {n for n in met if n.startswith("organisation:")} == met
    signed = neighbours(result, POLE, "agreement")
    assert signed == {f"organisation:{NORWAY}", f"organisation:{ETHIOPIA}"}
    # INTERPOL's meeting named three of its posts: still one meeting, one edge.
    edge = next(
        e
        for e in result.edges
        if e.kind == "meeting" and {e.source, e.target} == {POLE, "organisation:interpol"}
    )
    assert (edge.weight, edge.total, len(edge.records)) == (1, 1, 1)
    # The director general's post: held by the named person, who met everyone the pôle met.
    hammouchi = "person:abdellatif-hammouchi"
    assert neighbours(result, hammouchi, "meeting") == met
    assert [(e.source, e.target) for e in result.edges if e.kind == "membership"] == [
        (hammouchi, POLE)
    ]
    # One participation names both the pôle and him: they do not "meet" each other.
    assert hammouchi not in neighbours(result, POLE, "meeting")
    nodes = {n.id: n for n in result.nodes}
    assert nodes[POLE].degree == 53  # 52 met, and its director general
    assert nodes[POLE].country == "MA" and nodes[POLE].region == "africa"
    assert nodes["organisation:interpol"].country == ""
    assert result.total_nodes == len(result.nodes) == 54
    assert result.omitted_nodes == 0


def test_graph_edges_are_unique_pairs_in_id_order(seeded):
    result = graph(f"parent={ASSEMBLY}")
    keys = [(e.source, e.target, e.kind) for e in result.edges]
    assert len(keys) == len(set(keys))
    for e in result.edges:
        if e.kind != "membership":
            assert e.source < e.target


def test_timeline_by_region(seeded):
    result = timeline(f"parent={ASSEMBLY}")
    assert result.total == 54 and result.omitted == 0
    groups = {g.slug: g.count for g in result.groups}
    # Events in their counterpart's region; each agreement in its counterpart's, the
    # host of the meeting it was signed at left out (Norway's Europe, Ethiopia's Africa).
    assert groups == {
        "africa": 15 + 1,
        "europe": 19 + 1,
        "asia": 9,
        "latin-america-caribbean": 5,
        "international": 4,
    }
    international = [i for i in result.items if i.group == "international"]
    assert all(i.group_name == "International bodies" for i in international)
    item = result.items[0]
    assert item.precision == "within"
    assert item.label == "some day between 24 and 27 November 2025"
    assert item.start == datetime.date(2025, 11, 24) and item.end == datetime.date(2025, 11, 27)
    with translation.override("fr"):
        french = timeline(f"parent={ASSEMBLY}")
    assert french.items[0].label == "un jour entre le 24 et le 27 novembre 2025"
    assert {g.name for g in french.groups} >= {"Organisations internationales", "Afrique"}


def test_timeline_by_kind(seeded):
    result = timeline(f"parent={ASSEMBLY}", group="kind")
    assert [(g.slug, g.name, g.count) for g in result.groups] == [
        ("bilateral_meeting", "Bilateral meeting", 52),
        ("mou", "Memorandum of understanding", 2),
    ]
    assert len(result.items) == 54


def test_timeline_limit_keeps_the_latest_and_counts_the_rest(seeded):
    result = timeline(f"parent={ASSEMBLY}", group="kind", limit=10)
    assert result.total == 54 and result.omitted == 44
    assert len({(i.type, i.slug) for i in result.items}) == 10


def test_unknown_timeline_group():
    with pytest.raises(ValueError):
        cooperation.timeline(models.Event.objects.none(), models.Agreement.objects.none(), "x")


# --- Rules, on made-up rows ---------------------------------------------------------------


@pytest.fixture
def meeting():
    """A host and a counterpart meeting, the host named through its director's post."""
    host = factories.OrganisationFactory(slug="host", country="MA")
    director = factories.PostFactory(slug="director", organisation=host)
    person = factories.PersonFactory(slug="director-person")
    models.Membership.objects.create(person=person, post=director, organisation=host)
    event = factories.EventFactory(slug="meeting")
    factories.ParticipationFactory(event=event, organisation=None, post=director, role="host")
    guest = factories.OrganisationFactory(slug="guest", country="NO")
    factories.ParticipationFactory(event=event, organisation=guest)
    return event


def test_a_post_counts_for_its_organisation_and_its_holder(meeting):
    result = counts()
    assert {(r.code, r.hosted_events, r.counterpart_events) for r in result.countries} == {
        ("MA", 1, 0),
        ("NO", 0, 1),
    }
    found = graph()
    assert neighbours(found, "organisation:guest", "meeting") == {
        "organisation:host",
        "person:director-person",
    }
    assert neighbours(found, "person:director-person", "membership") == {"organisation:host"}


def test_a_holder_out_of_office_at_the_time_is_not_at_the_meeting(meeting):
    models.Membership.objects.update(end_date=datetime.date(2020, 1, 1))
    assert neighbours(graph(), "organisation:guest", "meeting") == {"organisation:host"}


def test_drafts_never_count(meeting):
    draft = factories.OrganisationFactory(slug="draft-police", country="SE", status="draft")
    factories.ParticipationFactory(event=meeting, organisation=draft)
    draft_body = factories.OrganisationFactory(slug="draft-body", country="", status="draft")
    factories.ParticipationFactory(event=meeting, organisation=draft_body)
    agreement = factories.AgreementFactory()
    factories.AgreementPartyFactory(agreement=agreement, organisation=draft)
    # A draft post's participation counts for nothing, not even its (published) organisation.
    draft_post = factories.PostFactory(
        organisation=factories.OrganisationFactory(slug="behind-a-draft", country="FI"),
        status="draft",
    )
    factories.ParticipationFactory(event=meeting, organisation=None, post=draft_post)
    # A draft event is out of every scope.
    hidden = factories.EventFactory(status="draft")
    factories.ParticipationFactory(
        event=hidden, organisation=factories.OrganisationFactory(slug="only-hidden", country="DK")
    )

    result = counts()
    assert {r.code for r in result.countries} == {"MA", "NO"}
    assert result.international == []
    ids = {n.id for n in graph().nodes}
    assert ids == {"organisation:host", "organisation:guest", "person:director-person"}
    listed = timeline()
    assert {g.slug for g in listed.groups} == {"europe"}
    assert [i.slug for i in listed.items] == ["meeting"]  # the agreement has no dates


def test_a_draft_party_puts_no_agreement_in_its_region(db):
    """The timeline reads the parties by their index and checks their status itself
    (kb/domain/cooperation/timelines.py): a draft party still counts for nothing."""
    agreement = factories.AgreementFactory(
        slug="mou", signed_start=datetime.date(2024, 5, 1), signed_end=datetime.date(2024, 5, 1)
    )
    norway = factories.OrganisationFactory(country="NO")
    japan = factories.OrganisationFactory(country="JP", status="draft")
    for party in (norway, japan):
        factories.AgreementPartyFactory(agreement=agreement, organisation=party)
    assert [(i.slug, i.group) for i in timeline().items] == [("mou", "europe")]
    japan.status = "published"
    japan.save()
    assert sorted(i.group for i in timeline().items) == ["asia", "europe"]


def test_undated_records_are_omitted_from_the_timeline(meeting):
    factories.EventFactory(slug="undated", start_date=None, end_date=None)
    result = timeline()
    assert result.total == 2 and result.omitted == 1
    assert [i.slug for i in result.items] == ["meeting"]


def test_an_event_with_several_regions_is_in_each(meeting):
    factories.ParticipationFactory(
        event=meeting, organisation=factories.OrganisationFactory(country="JP")
    )
    items = timeline().items
    assert sorted(i.group for i in items) == ["asia", "europe"]
    assert {i.slug for i in items} == {"meeting"}


def test_graph_truncation_keeps_the_best_connected(settings):
    hub = factories.OrganisationFactory(slug="a-hub")
    event = factories.EventFactory()
    factories.ParticipationFactory(event=event, organisation=hub)
    for n in range(4):
        factories.ParticipationFactory(
            event=event, organisation=factories.OrganisationFactory(slug=f"z-{n}")
        )
    loner = factories.EventFactory()
    factories.ParticipationFactory(event=loner, organisation=hub)
    factories.ParticipationFactory(
        event=loner, organisation=factories.OrganisationFactory(slug="b-side")
    )
    full = graph()
    assert full.total_nodes == 6 and full.omitted_nodes == 0
    degrees = {n.slug: n.degree for n in full.nodes}
    assert degrees == {"a-hub": 5, "z-0": 4, "z-1": 4, "z-2": 4, "z-3": 4, "b-side": 1}
    cut = graph(max_nodes=3)
    assert [n.slug for n in cut.nodes] == ["a-hub", "z-0", "z-1"]
    assert (cut.total_nodes, cut.omitted_nodes, cut.max_nodes) == (6, 3, 3)
    kept = {n.id for n in cut.nodes}
    assert cut.edges and all(e.source in kept and e.target in kept for e in cut.edges)
    assert len(cut.edges) == 3


def test_meeting_weights_count_distinct_shared_events():
    one, two = factories.OrganisationFactory(slug="one"), factories.OrganisationFactory(slug="two")
    for _ in range(3):
        event = factories.EventFactory()
        factories.ParticipationFactory(event=event, organisation=one)
        factories.ParticipationFactory(event=event, organisation=two)
    (edge,) = graph().edges
    assert (edge.kind, edge.weight, edge.total, len(edge.records)) == ("meeting", 3, 3, 3)


def test_edge_records_are_capped(monkeypatch):
    monkeypatch.setattr(cooperation.graphs, "MAX_EDGE_RECORDS", 2)
    one, two = factories.OrganisationFactory(slug="one"), factories.OrganisationFactory(slug="two")
    for _ in range(3):
        agreement = factories.AgreementFactory()
        factories.AgreementPartyFactory(agreement=agreement, organisation=one)
        factories.AgreementPartyFactory(agreement=agreement, organisation=two)
    (edge,) = graph().edges
    assert (edge.kind, edge.weight, edge.total, len(edge.records)) == ("agreement", 3, 3, 2)


def test_empty_scope_runs_no_rows_query():
    empty = CooperationScope(QueryDict("date_from=nonsense"))
    assert not empty.is_valid()
    result = cooperation.country_counts(empty.events, empty.agreements)
    assert result.countries == [] and result.max_total == 0
    assert cooperation.graph(empty.events, empty.agreements, 10).nodes == []
    assert cooperation.timeline(empty.events, empty.agreements).items == []


# --- Queries: the same number whatever the scope's size -----------------------------------


def build(events):
    """`events` meetings under one assembly: a host (through a post, with its holder), a
    counterpart with a country, an international body every third time, an agreement each."""
    host = factories.OrganisationFactory(country="MA")
    post = factories.PostFactory(organisation=host)
    models.Membership.objects.create(person=factories.PersonFactory(), post=post, organisation=host)
    assembly = factories.EventFactory(kind="general_assembly", slug="assembly")
    countries = ["NO", "JP", "BR", "ET", "DE"]
    for n in range(events):
        event = factories.EventFactory(parent=assembly)
        factories.ParticipationFactory(event=event, organisation=host, post=post, role="host")
        guest = factories.OrganisationFactory(country=countries[n % len(countries)])
        factories.ParticipationFactory(event=event, organisation=guest)
        if n % 3 == 0:
            body = factories.OrganisationFactory(country="")
            factories.ParticipationFactory(event=event, organisation=body)
        agreement = factories.AgreementFactory(
            signed_at=event, signed_start=event.start_date, signed_end=event.end_date
        )
        factories.AgreementPartyFactory(agreement=agreement, organisation=host)
        factories.AgreementPartyFactory(agreement=agreement, organisation=guest)


# Each function's own queries (the scope's form checks `parent` once more, before).
PINNED = {
    "country_counts": 3,  # the events' groups, the parties' GROUP BY, the bodies' names
    # the events and agreements counted, participations, parties, memberships,
    # organisations, people
    "graph": 7,
    "timeline_region": 6,  # per type: counts, the latest rows, their regions
    "timeline_kind": 4,  # per type: counts, the latest rows
}


def run(name, found):
    if name == "country_counts":
        return cooperation.country_counts(found.events, found.agreements)
    if name == "graph":
        return cooperation.graph(found.events, found.agreements, 2000)
    group = name.removeprefix("timeline_")
    return cooperation.timeline(found.events, found.agreements, group=group, limit=2000)


@pytest.mark.parametrize("size", [5, 50])
@pytest.mark.parametrize("name", PINNED)
def test_query_count_does_not_grow_with_the_scope(name, size):
    build(size)
    found = scope("parent=assembly")
    assert found.events.count() == size
    with CaptureQueriesContext(connection) as queries:
        result = run(name, found)
    assert len(queries) == PINNED[name], [q["sql"][:200] for q in queries]
    if name == "graph":
        assert len(result.nodes) >= size
    elif name == "country_counts":
        assert sum(r.counterpart_events for r in result.countries) == size
    else:
        assert result.total == 2 * size


def test_a_date_ranges_agreements_are_read_from_their_dates_index(db):
    """The map's agreements of a date range: on SQLite the published agreements' dates
    are read from kb_agreement_pub_signed alone, not every published agreement's row
    through the status's index (7.3 -> 2.4 ms for three years at scale 100)."""
    inside = factories.AgreementFactory(
        signed_start=datetime.date(2020, 3, 1), signed_end=datetime.date(2020, 3, 1)
    )
    factories.AgreementFactory(
        signed_start=datetime.date(2010, 3, 1), signed_end=datetime.date(2010, 3, 1)
    )
    factories.AgreementPartyFactory(agreement=inside)
    with CaptureQueriesContext(connection) as queries:
        found = counts("date_from=2020-01-01&date_to=2020-12-31")
    assert sum(row.agreements for row in found.countries + found.international) == 1
    (sql,) = [q["sql"] for q in queries if "kb_agreementgroups" in q["sql"]]
    if connection.vendor == "sqlite":  # PostgreSQL plans from its statistics
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
        assert "COVERING INDEX kb_agreement_pub_signed (status=?" in plan, plan

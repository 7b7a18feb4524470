"""/api/v1/map/, /api/v1/graph/ and /api/v1/timeline/: the article's facts, in both languages,
the graph's files, filters, errors, conditional requests and query counts."""

import io

import networkx
import pytest

from kb.api import cooperation as api
from kb.filtering.scope import SCOPE_PARAMS
from tests import factories
from tests.domain.test_cooperation import BODIES, build
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = pytest.mark.django_db

ASSEMBLY = "interpol-general-assembly-93"
POLE = "organisation:pole-dgsn-dgst"
NORWAY = "norwegian-national-police"
ETHIOPIA = "ethiopian-federal-police"
ENDPOINTS = ("map", "graph", "timeline")


def neighbours(body, node_id, kind):
    return {
        e["target"] if e["source"] == node_id else e["source"]
        for e in body["edges"]
        if node_id in (e["source"], e["target"]) and e["kind"] == kind
    }


def fields(serializer_class):
    return list(serializer_class().fields)


# --- The article's facts -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_map(client, seeded, lang):
    body = get_json(client, "/api/v1/map/", data={"parent": ASSEMBLY, "lang": lang})
    assert list(body) == fields(api.MapSerializer)
    met = [c for c in body["countries"] if c["counterpart_events"] > 0]
    assert len(met) == 48
    assert {(r["slug"], r["countries"]) for r in body["regions"]} == {
        ("europe", 19),
        ("africa", 15),
        ("latin-america-caribbean", 5),
        ("asia", 9),
    }
    morocco = next(c for c in body["countries"] if c["code"] == "MA")
    assert (morocco["host"], morocco["hosted_events"]) == (True, 52)
    assert {b["slug"] for b in body["international"]} == BODIES
    assert list(morocco) == fields(api.CountryRowSerializer)
    assert list(body["international"][0]) == fields(api.BodyRowSerializer)
    assert list(body["regions"][0]) == fields(api.RegionRowSerializer)
    names = {c["code"]: c["name"] for c in body["countries"]}
    bodies = {b["slug"]: b["name"] for b in body["international"]}
    if lang == "fr":
        assert names["NO"] == "Norvège" and names["MA"] == "Maroc"
        assert bodies["interpol"] == "Organisation internationale de police criminelle"
        assert morocco["region_name"] == "Afrique"
    else:
        assert names["NO"] == "Norway" and names["MA"] == "Morocco"
        assert bodies["interpol"] == "International Criminal Police Organization"
        assert morocco["region_name"] == "Africa"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_graph(client, seeded, lang):
    body = get_json(client, "/api/v1/graph/", data={"parent": ASSEMBLY, "lang": lang})
    assert list(body) == fields(api.GraphSerializer)
    assert list(body["nodes"][0]) == fields(api.NodeSerializer)
    assert list(body["edges"][0]) == fields(api.EdgeSerializer)
    met = neighbours(body, POLE, "meeting")
    assert len(met) == 52 and "organisation:interpol" in met
    assert neighbours(body, POLE, "agreement") == {
        f"organisation:{NORWAY}",
        f"organisation:{ETHIOPIA}",
    }
    assert (body["total_nodes"], body["omitted_nodes"], body["max_nodes"]) == (54, 0, 2000)
    pole = next(n for n in body["nodes"] if n["id"] == POLE)
    assert pole["name"] == ("pôle DGSN-DGST" if lang == "fr" else "DGSN-DGST pole")
    assert pole["names"] == {"en": "DGSN-DGST pole", "fr": "pôle DGSN-DGST"}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_timeline(client, seeded, lang):
    body = get_json(client, "/api/v1/timeline/", data={"parent": ASSEMBLY, "lang": lang})
    assert list(body) == fields(api.TimelineSerializer)
    assert list(body["items"][0]) == fields(api.TimelineItemSerializer)
    assert (body["total"], body["omitted"]) == (54, 0)
    item = body["items"][0]
    assert (item["start"], item["end"], item["precision"]) == ("2025-11-24", "2025-11-27", "within")
    groups = {g["slug"]: g for g in body["groups"]}
    assert groups["international"]["count"] == 4
    if lang == "fr":
        assert item["label"] == "un jour entre le 24 et le 27 novembre 2025"
        assert groups["international"]["name"] == "Organisations internationales"
    else:
        assert item["label"] == "some day between 24 and 27 November 2025"
        assert groups["international"]["name"] == "International bodies"
    by_kind = get_json(client, "/api/v1/timeline/", data={"parent": ASSEMBLY, "group": "kind"})
    assert {g["slug"]: g["count"] for g in by_kind["groups"]} == {
        "bilateral_meeting": 52,
        "mou": 2,
    }


def test_the_api_root_lists_the_endpoints(client):
    root = get_json(client, "/api/v1/")
    for name in ENDPOINTS:
        assert root[name].endswith(f"/api/v1/{name}/")


# --- The graph as files --------------------------------------------------------------------


def read_back(client, fmt, query):
    response = client.get("/api/v1/graph/", {**query, "format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(f"application/{fmt}+xml")
    assert response["Content-Disposition"] == f'attachment; filename="graph.{fmt}"'
    reader = networkx.read_gexf if fmt == "gexf" else networkx.read_graphml
    return reader(io.BytesIO(response.content))


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_graph_files_hold_the_same_graph(client, seeded, fmt, lang):
    query = {"parent": ASSEMBLY, "lang": lang}
    body = get_json(client, "/api/v1/graph/", data=query)
    read = read_back(client, fmt, query)
    assert read.is_multigraph()  # the pôle and Norway met and signed: two edges
    assert set(read.nodes) == {n["id"] for n in body["nodes"]}
    for node in body["nodes"]:
        data = read.nodes[node["id"]]
        label = data["label"] if fmt == "gexf" else data["name"]
        assert label == node["name"]
        assert data["type"] == node["type"] and data["slug"] == node["slug"]
        assert (data["name_en"], data["name_fr"]) == (node["names"]["en"], node["names"]["fr"])
        assert int(data["degree"]) == node["degree"]
        assert data.get("country", "") == node["country"]
    expected = sorted(
        (*sorted((e["source"], e["target"])), e["kind"], e["weight"], " ".join(e["records"]))
        for e in body["edges"]
    )
    found = sorted(
        (*sorted((u, v)), d["kind"], int(d["weight"]), d.get("records", ""))
        for u, v, d in read.edges(data=True)
    )
    assert found == expected
    assert len(found) == len(body["edges"])


# --- Filters, drafts, truncation -----------------------------------------------------------


def test_filters_narrow(client, seeded):
    asia = get_json(client, "/api/v1/map/", data={"counterpart_region": "asia"})
    met = [c for c in asia["countries"] if c["counterpart_events"] > 0]
    assert len(met) == 9 and {c["region"] for c in met} == {"asia"}
    assert asia["regions"] == [{"slug": "asia", "name": "Asia", "countries": 9}]
    norway = {"participant": NORWAY}
    countries = get_json(client, "/api/v1/map/", data=norway)["countries"]
    assert {(c["code"], c["counterpart_events"], c["agreements"]) for c in countries} == {
        ("NO", 1, 1),
        ("MA", 0, 1),
    }
    nodes = {n["id"] for n in get_json(client, "/api/v1/graph/", data=norway)["nodes"]}
    assert nodes == {POLE, f"organisation:{NORWAY}", "person:abdellatif-hammouchi"}
    timeline = get_json(client, "/api/v1/timeline/", data=norway)
    assert {(i["type"], i["group"]) for i in timeline["items"]} == {
        ("event", "europe"),
        # Its counterpart's lane only: the pôle hosted the meeting where it was signed.
        ("agreement", "europe"),
    }
    later = get_json(client, "/api/v1/map/", data={"date_from": "2025-11-28"})
    assert later["countries"] == [] and later["max_total"] == 0


def test_a_draft_organisation_never_shows(client, seeded):
    draft = factories.OrganisationFactory(
        slug="secret-service", name_en="Secret service", country="IS", status="draft"
    )
    event = factories.EventFactory(parent=None, slug="with-a-draft")
    factories.ParticipationFactory(event=event, organisation=draft)
    factories.ParticipationFactory(
        event=event, organisation=factories.OrganisationFactory(slug="open", country="FI")
    )
    for name in ENDPOINTS:
        for fmt in ("json", "gexf", "graphml") if name == "graph" else ("json",):
            response = client.get(f"/api/v1/{name}/", {"format": fmt})
            assert response.status_code == 200
            assert b"secret-service" not in response.content
            assert b"Secret service" not in response.content
    codes = {c["code"] for c in get_json(client, "/api/v1/map/")["countries"]}
    assert "FI" in codes and "IS" not in codes
    # The filter refuses it too, as it refuses any unknown slug.
    response = client.get("/api/v1/graph/", {"participant": "secret-service"})
    assert response.status_code == 400 and "participant" in response.json()


def test_graph_max_nodes_keeps_the_best_connected(client, seeded, settings):
    settings.GRAPH_MAX_NODES = 3
    body = get_json(client, "/api/v1/graph/", data={"parent": ASSEMBLY})
    assert (body["total_nodes"], body["omitted_nodes"], body["max_nodes"]) == (54, 51, 3)
    ids = [n["id"] for n in body["nodes"]]
    # The pôle and its director general met everyone (53 neighbours each); of the 52 they
    # met, two neighbours each (an agreement adds no neighbour), the first by slug.
    assert ids == ["person:abdellatif-hammouchi", POLE, "organisation:bka"]
    assert all(e["source"] in ids and e["target"] in ids for e in body["edges"])
    assert sorted((e["source"], e["target"], e["kind"]) for e in body["edges"]) == [
        ("organisation:bka", POLE, "meeting"),
        ("organisation:bka", "person:abdellatif-hammouchi", "meeting"),
        ("person:abdellatif-hammouchi", POLE, "membership"),
    ]


def test_timeline_max_items(client, seeded, settings):
    settings.TIMELINE_MAX_ITEMS = 5
    body = get_json(client, "/api/v1/timeline/", data={"parent": ASSEMBLY, "group": "kind"})
    assert (body["total"], body["omitted"], len(body["items"])) == (54, 49, 5)


# --- Errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "param"),
    [
        ("map", {"date_from": "yesterday"}, "date_from"),
        ("graph", {"date_to": "2025-13-01"}, "date_to"),
        ("timeline", {"participant": "no-such-slug"}, "participant"),
        ("map", {"counterpart_region": "mars"}, "counterpart_region"),
        ("map", {"counterpart_country": "XX"}, "counterpart_country"),
        ("graph", {"kind": "picnic"}, "kind"),
        ("timeline", {"parent": "nope"}, "parent"),
        ("timeline", {"topic": "bad\x00slug"}, "topic"),
        ("graph", {"format": "xlsx"}, "format"),
        ("map", {"format": "gexf"}, "format"),
        ("timeline", {"group": "x"}, "group"),
        ("map", {"lang": "de"}, "lang"),
        ("graph", {"lang": "de", "format": "gexf"}, "lang"),
    ],
)
def test_bad_parameters_answer_400_naming_them(client, seeded, path, query, param):
    response = client.get(f"/api/v1/{path}/", query)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert param in body and all(isinstance(m, str) for m in body[param])


def test_several_bad_parameters_are_all_named(client, seeded):
    response = client.get("/api/v1/timeline/", {"group": "x", "date_from": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()) == {"group", "date_from"}


def test_odd_input_never_fails(client, seeded):
    odd = ["", " ", ",", "a" * 300, "%00", "é", "2025-02-30", "-1", "[]", "{}"]
    for name in ENDPOINTS:
        for param in (*SCOPE_PARAMS, "group", "format", "lang"):
            for value in odd:
                response = client.get(f"/api/v1/{name}/", {param: value})
                assert response.status_code in (200, 400), (name, param, value)


def test_read_only(client):
    for name in ENDPOINTS:
        assert client.post(f"/api/v1/{name}/").status_code == 405
        assert client.head(f"/api/v1/{name}/").status_code == 200
        options = client.options(f"/api/v1/{name}/", QUERY_STRING="date_from=2000-01-01")
        assert options.status_code == 200
        assert set(options.json()["renders"]) >= {"application/json"}
    options = client.options("/api/v1/graph/", QUERY_STRING="format=gexf")
    assert options.status_code == 200 and options["Content-Type"] == "application/json"


def test_throttled(client, seeded, settings):
    settings.API_ANON_THROTTLE_RATE = "2/minute"
    from django.core.cache import cache

    cache.clear()
    statuses = [client.get("/api/v1/graph/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    cache.clear()


# --- Conditional requests -----------------------------------------------------------------


def test_etag_and_304(client, seeded):
    for name in ENDPOINTS:
        response = client.get(f"/api/v1/{name}/", {"parent": ASSEMBLY})
        etag = response["ETag"]
        assert response["Last-Modified"]
        again = client.get(f"/api/v1/{name}/", {"parent": ASSEMBLY}, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        other = client.get(f"/api/v1/{name}/", {"parent": ASSEMBLY, "lang": "fr"})
        assert other["ETag"] != etag
    gexf = client.get("/api/v1/graph/", {"format": "gexf"})
    assert gexf["ETag"] != client.get("/api/v1/graph/")["ETag"]


def test_etag_changes_with_the_data(client, seeded):
    etag = client.get("/api/v1/map/")["ETag"]
    factories.OrganisationFactory()
    assert client.get("/api/v1/map/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_etag_changes_with_the_limits(client, seeded, settings):
    etag = client.get("/api/v1/graph/")["ETag"]
    settings.GRAPH_MAX_NODES = 10
    assert client.get("/api/v1/graph/", HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- Queries -------------------------------------------------------------------------------

# The ETag's query, the scope's check of `parent`, then the domain function's own
# (tests/domain/test_cooperation.py).
PINNED = {
    "/api/v1/map/": 2 + 3,
    "/api/v1/graph/": 2 + 7,
    "/api/v1/graph/?format=gexf": 2 + 7,
    "/api/v1/timeline/": 2 + 6,
    "/api/v1/timeline/?group=kind": 2 + 4,
}


@pytest.mark.parametrize("size", [5, 50])
@pytest.mark.parametrize("url", PINNED)
def test_query_count_does_not_grow_with_the_scope(client, django_assert_num_queries, url, size):
    build(size)
    joiner = "&" if "?" in url else "?"
    with django_assert_num_queries(PINNED[url]):
        response = client.get(f"{url}{joiner}parent=assembly")
    assert response.status_code == 200
    if "format" not in url:
        body = response.json()
        if "timeline" in url:
            assert body["total"] == 2 * size
        elif "graph" in url:
            assert body["total_nodes"] >= size
        else:
            assert sum(c["counterpart_events"] for c in body["countries"]) == size

"""The graph's and the map's JSON are their serializers', byte for byte (kb/api/cooperation.py).

The graph endpoint writes its JSON from the domain's dataclasses
(GraphJSONRenderer) and its files from graph_json()'s dicts: running a few
thousand edges through the serializer's fields was most of a large graph's
answer. GraphSerializer stays the schema; each test here takes both paths and
compares the bytes: through the API on the article's data and on random
records (drafts at every end, posts and their holders), and on random
domain graphs (any text, empty and missing names, U+2028). Both databases
run it (CI runs the suite on SQLite and PostgreSQL).
"""

import dataclasses

import hypothesis
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from kb.api import cooperation as api
from kb.api import graph_formats
from kb.api.renderers import JSONRenderer
from kb.domain import cooperation
from tests.api.test_projections import build as build_records
from tests.api.test_projections import graphs as record_specs
from tests.support import _unthrottled  # noqa: F401

pytestmark = pytest.mark.django_db

ASSEMBLY = "interpol-general-assembly-93"


def serialized(graph):
    return JSONRenderer().render(api.GraphSerializer(graph).data)


SERIALIZERS = {
    "/api/v1/graph/": (api.GraphView, api.GraphSerializer),
    "/api/v1/map/": (api.MapView, api.MapSerializer),
}


def both_ways(client, monkeypatch, url, query):
    """The body for `query` as the view writes it, then through the view's serializer."""
    fast = client.get(url, query)
    view, serializer = SERIALIZERS[url]
    with monkeypatch.context() as patch:
        patch.setattr(view, "represent", lambda view, result: serializer(result).data)
        patch.setattr(view, "renderer_classes", [JSONRenderer, *view.renderer_classes[1:]])
        slow = client.get(url, query)
    assert fast.status_code == slow.status_code == 200, query
    return fast.content, slow.content


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("fmt", ["json", "gexf", "graphml"])
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("scope", [{}, {"parent": ASSEMBLY}, {"counterpart_region": "europe"}])
def test_the_article_s_graph_is_the_serializers_bytes(client, monkeypatch, scope, lang, fmt):
    query = {**scope, "lang": lang, "format": fmt}
    fast, slow = both_ways(client, monkeypatch, "/api/v1/graph/", query)
    assert fast == slow
    if fmt == "json":
        assert b'"kind":"meeting"' in fast  # not an empty graph


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    "scope", [{}, {"parent": ASSEMBLY}, {"counterpart_region": "europe"}, {"kind": "signing"}]
)
def test_the_article_s_map_is_the_serializers_bytes(client, monkeypatch, scope, lang):
    fast, slow = both_ways(client, monkeypatch, "/api/v1/map/", {**scope, "lang": lang})
    assert fast == slow
    if scope.get("parent"):
        assert b'"code":"MA"' in fast  # not an empty map


@pytest.mark.usefixtures("seeded")
def test_an_indented_map_is_the_serializers_bytes(client, monkeypatch):
    accept = {"HTTP_ACCEPT": "application/json; indent=2"}
    fast = client.get("/api/v1/map/", {"parent": ASSEMBLY}, **accept)
    slow = JSONRenderer().render(
        api.MapSerializer(client.get("/api/v1/map/", {"parent": ASSEMBLY}).json()).data,
        "application/json; indent=2",
    )
    assert fast.status_code == 200
    assert fast.content == slow
    assert b'\n  "countries": [' in fast.content


@pytest.mark.usefixtures("seeded")
def test_an_indented_graph_is_the_serializers_bytes(client, monkeypatch):
    query = {"parent": ASSEMBLY}
    accept = {"HTTP_ACCEPT": "application/json; indent=2"}
    fast = client.get("/api/v1/graph/", query, **accept)
    with monkeypatch.context() as patch:
        patch.setattr(
            api.GraphView, "represent", lambda view, result: api.GraphSerializer(result).data
        )
        slow = client.get("/api/v1/graph/", query, **accept)
    assert fast.status_code == slow.status_code == 200
    assert fast.content == slow.content
    assert b'\n  "nodes": [' in fast.content


@pytest.mark.usefixtures("seeded")
def test_a_truncated_graph_is_the_serializers_bytes(client, monkeypatch, settings):
    settings.GRAPH_MAX_NODES = 3
    fast, slow = both_ways(client, monkeypatch, "/api/v1/graph/", {"parent": ASSEMBLY})
    assert fast == slow
    assert b'"omitted_nodes":0' not in fast


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_random_records_give_the_serializers_bytes(client, monkeypatch, lang):
    @hypothesis.settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(spec=record_specs())
    def check(spec):
        with transaction.atomic():
            build_records(spec)
            for fmt in ("json", "graphml"):
                fast, slow = both_ways(
                    client, monkeypatch, "/api/v1/graph/", {"lang": lang, "format": fmt}
                )
                assert fast == slow, fmt
            fast, slow = both_ways(client, monkeypatch, "/api/v1/map/", {"lang": lang})
            assert fast == slow, "map"
            transaction.set_rollback(True)

    check()


# --- Random domain graphs, no database -----------------------------------------------------

TEXT = st.text(max_size=12)  # any Unicode but lone surrogates, U+2028 and "" included
IDS = st.text(alphabet="abcdefghij-:0123456789", min_size=1, max_size=12)


@st.composite
def domain_graphs(draw):
    nodes = [
        cooperation.Node(
            id=draw(IDS),
            type=draw(st.sampled_from(["organisation", "person"])),
            slug=draw(IDS),
            name=draw(TEXT),
            names={"en": draw(st.none() | TEXT), "fr": draw(st.none() | TEXT)},
            country=draw(st.sampled_from(["", "FR", "MA", "NO"])),
            region=draw(st.sampled_from(["", "europe", "africa"])),
            degree=draw(st.integers(0, 10**6)),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    edges = [
        cooperation.Edge(
            source=draw(IDS),
            target=draw(IDS),
            kind=draw(st.sampled_from(["meeting", "agreement", "membership"])),
            weight=draw(st.integers(0, 10**6)),
            records=draw(st.lists(IDS, max_size=3)),
            total=draw(st.integers(0, 10**6)),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    return cooperation.Graph(
        nodes=nodes,
        edges=edges,
        total_nodes=draw(st.integers(0, 10**6)),
        omitted_nodes=draw(st.integers(0, 10**6)),
        max_nodes=draw(st.integers(0, 10**6)),
    )


@hypothesis.settings(max_examples=200, deadline=None, derandomize=True)
@given(graph=domain_graphs())
def test_random_domain_graphs_give_the_serializers_bytes(graph):
    expected = serialized(graph)
    assert graph_formats.GraphJSONRenderer().render(graph) == expected
    assert JSONRenderer().render(graph_formats.graph_json(graph)) == expected
    # The generic path (the map's and the timeline's) agrees too.
    assert graph_formats.graph_json(graph) == api.as_json(graph)


def test_what_orjson_refuses_takes_the_shared_renderers_way():
    # An integer past 64 bits (no database gives one, but a Graph may hold it):
    # orjson refuses it, and the graph goes the serializer's way, as DRF writes it.
    graph = cooperation.Graph(total_nodes=2**70)
    body = graph_formats.GraphJSONRenderer().render(graph)
    assert body == serialized(graph)
    assert str(2**70).encode() in body


def test_the_fast_path_has_the_serializers_fields_in_order():
    graph = cooperation.Graph(
        nodes=[cooperation.Node("person:a", "person", "a", "A", {"en": "A", "fr": None}, "", "")],
        edges=[cooperation.Edge("person:a", "organisation:b", "membership", 1, [], 0)],
    )
    # The JSON renderer writes the dataclasses' fields as they are declared.
    for klass, serializer in (
        (cooperation.Graph, api.GraphSerializer),
        (cooperation.Node, api.NodeSerializer),
        (cooperation.Edge, api.EdgeSerializer),
    ):
        assert [f.name for f in dataclasses.fields(klass)] == list(serializer().fields)
    data = graph_formats.graph_json(graph)
    assert list(data) == list(api.GraphSerializer().fields)
    assert list(data["nodes"][0]) == list(api.NodeSerializer().fields)
    assert list(data["nodes"][0]["names"]) == list(api.NamesSerializer().fields)
    assert list(data["edges"][0]) == list(api.EdgeSerializer().fields)

"""/api/v1/exports/ftm/ and /api/v1/exports/popolo/: streamed, filtered, conditional, and
with a query count that does not grow with the data."""

import json

import pytest
from django.urls import reverse

from kb.lib import dataset
from tests.exports.checks import build, check_references, read_ftm
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = pytest.mark.django_db

FTM = "/api/v1/exports/ftm/"
POPOLO = "/api/v1/exports/popolo/"


def body(response):
    assert response.streaming, response
    return b"".join(response.streaming_content)


def test_urls_and_the_api_root():
    assert reverse("v1:export-ftm") == FTM
    assert reverse("v1:export-popolo") == POPOLO


def test_root_lists_the_exports(client):
    root = get_json(client, "/api/v1/")
    assert root["exports/ftm"] == f"http://testserver{FTM}"
    assert root["exports/popolo"] == f"http://testserver{POPOLO}"


def test_ftm_streams_line_delimited_entities(client):
    build(2)
    response = client.get(FTM)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == 'attachment; filename="entente.ftm.json"'
    assert response["Link"] == f'<{dataset.LICENCE_URL}>; rel="license"'
    entities = read_ftm(body(response))
    check_references(entities)
    host = entities["entente-organisation-x-host"]
    assert host.get("sourceUrl") == ["http://testserver/en/organisations/x-host/"]


def test_popolo_streams_one_document(client):
    build(2)
    response = client.get(POPOLO, {"lang": "fr"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = json.loads(body(response))
    assert document["meta"]["license"] == dataset.LICENCE_URL
    event = next(e for e in document["events"] if e["id"] == "entente-event-x-meeting-0")
    assert event["name"].startswith("Événement")
    assert event["links"][0]["url"] == "http://testserver/fr/events/x-meeting-0/"


@pytest.mark.parametrize("url", [FTM, POPOLO])
@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"parent": "nope"}, ["parent"]),
        ({"updated_since": "soon"}, ["updated_since"]),
        ({"parent": "a,b", "updated_since": "2025-02-30"}, ["parent", "updated_since"]),
        ({"lang": "de"}, ["lang"]),
        ({"format": "xml"}, ["format"]),
    ],
)
def test_bad_values_answer_400_naming_them(client, url, params, names):
    response = client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert sorted(response.json()) == names


def test_filters_narrow_the_answer(client):
    build(1, prefix="a")
    build(1, prefix="b")
    entities = read_ftm(body(client.get(FTM, {"parent": "b-meeting-0"})))
    assert {i for i, e in entities.items() if e.schema.name == "Event"} == {
        "entente-event-b-meeting-0"
    }
    later = read_ftm(body(client.get(FTM, {"updated_since": "2999-01-01"})))
    assert later == {}


def test_an_unacceptable_type_is_a_json_406(client):
    response = client.get(FTM, HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert "detail" in response.json()


@pytest.mark.parametrize("url", [FTM, POPOLO])
def test_etag_answers_304_until_the_data_changes(client, url):
    build(1)
    first = client.get(url)
    body(first)
    etag = first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert client.get(url, {"parent": "x-assembly"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert client.get(url, {"lang": "fr"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    build(1, prefix="y")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- Queries -------------------------------------------------------------------------------

# The ETag's query, then one query per batch of each type and one per prefetch:
# FtM: organisations, people, posts (each + identifiers), memberships, events (+
# participations, topics, identifiers), agreements (+ parties, topics, identifiers),
# sources (+ identifiers), then the citations of each of 8 cited types.
FTM_QUERIES = 1 + 2 + 2 + 2 + 1 + 4 + 4 + 2 + 8
# Popolo: people, organisations, posts (each + identifiers, quotes), memberships (+
# quotes), events (+ participations, identifiers, quotes).
POPOLO_QUERIES = 1 + 3 + 3 + 3 + 2 + 4
# `parent`: its check, then the keys within it, type by type: events, participations,
# agreements, parties, people, memberships, posts, organisations. FtM also gathers the
# topics (2 links, then the topics) and the sources (the citations of 8 types).
PARENT_QUERIES = 1 + 8
PINNED = {
    FTM: FTM_QUERIES,
    f"{FTM}?parent=q-assembly": FTM_QUERIES + PARENT_QUERIES + 3 + 8,
    POPOLO: POPOLO_QUERIES,
    f"{POPOLO}?parent=q-assembly": POPOLO_QUERIES + PARENT_QUERIES,
}


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("url", PINNED)
def test_query_count_does_not_grow_with_the_data(client, django_assert_num_queries, url, size):
    build(size, prefix="q")
    body(client.get(url))  # content types cached: what is counted is the view's own
    with django_assert_num_queries(PINNED[url]):
        response = client.get(url)
        content = body(response)
    assert response.status_code == 200
    assert content.count(b"q-meeting-") >= size

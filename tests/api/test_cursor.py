"""Keyset paging: `next` links carry an opaque `cursor` past the first rows; `page` still works.

Walking the links forwards and back gives every row once, in order, with
filters and any `ordering` (NULL dates included), on SQLite and PostgreSQL.
"""

import base64
import json
import urllib.parse

import pytest

from kb.api import pagination as api_policies
from tests import factories
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]


@pytest.fixture(autouse=True)
def _cursor_early(monkeypatch):
    # Cursors from the third page of 7 rows on, so the article's data spans both kinds.
    monkeypatch.setattr(api_policies.Pagination, "CURSOR_FROM_ROW", 14)


def walk(client, url):
    """Every page by its `next` link: the rows' slugs and the links followed."""
    slugs, links, page = [], [], get_json(client, url)
    while True:
        slugs += [r["slug"] for r in page["results"]]
        if not page["next"]:
            return slugs, links, page
        links.append(page["next"])
        page = get_json(client, page["next"])


def walk_back(client, page):
    slugs = [r["slug"] for r in page["results"]]
    while page["previous"]:
        page = get_json(client, page["previous"])
        slugs = [r["slug"] for r in page["results"]] + slugs
    return slugs


def every_row(client, url):
    separator = "&" if "?" in url else "?"
    return [r["slug"] for r in get_json(client, f"{url}{separator}page_size=200")["results"]]


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/events/?page_size=7",
        "/api/v1/events/?page_size=7&ordering=-name",
        "/api/v1/events/?page_size=7&ordering=-start_date",
        "/api/v1/events/?page_size=7&ordering=end_date&counterpart_region=europe,africa",
        "/api/v1/organisations/?page_size=7&ordering=-updated_at",
        "/api/v1/organisations/?page_size=7&ordering=country&q=police",
        "/api/v1/agreements/?page_size=7&ordering=signed_start",
    ],
)
def test_cursor_pages_are_complete_stable_and_without_duplicates(client, query):
    # Undated events and agreements: NULLs sort differently on SQLite and PostgreSQL.
    for n in range(4):
        factories.EventFactory(start_date=None, end_date=None, name_en=f"Undated {n}")
    factories.AgreementFactory.create_batch(10, signed_start=None, signed_end=None)
    factories.AgreementFactory.create_batch(10)
    base = query.split("page_size=7")[0] + query.split("page_size=7")[1].lstrip("&")
    expected = every_row(client, base)
    slugs, links, last = walk(client, query)
    assert slugs == expected
    assert len(set(slugs)) == len(slugs)
    assert any("cursor=" in link for link in links)
    assert all("cursor=" not in link for link in links[:1])  # page 2 is still `page=2`
    assert walk_back(client, last) == expected
    # A cursor is stable: following the same link twice gives the same page.
    deep = next(link for link in links if "cursor=" in link)
    assert get_json(client, deep) == get_json(client, deep)


def test_a_cursor_page_keeps_the_response_shape_and_count(client):
    page = get_json(client, "/api/v1/events/?page_size=7")
    while "cursor=" not in (page["next"] or "cursor="):
        page = get_json(client, page["next"])
    deep = get_json(client, page["next"])
    assert set(deep) == {"count", "next", "previous", "results"}
    assert deep["count"] == page["count"] == 53
    assert len(deep["results"]) == 7


def test_page_numbers_keep_working(client):
    by_number = get_json(client, "/api/v1/events/?page_size=7&page=5")["results"]
    assert [r["slug"] for r in by_number] == every_row(client, "/api/v1/events/")[28:35]


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", "%00", "eyJvIjogMX0", "W10", "e30", "x" * 500],
)
def test_a_malformed_cursor_answers_404_in_json(client, cursor):
    response = client.get("/api/v1/events/", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor."}


def test_a_cursor_for_another_ordering_answers_404(client):
    slugs, links, _last = walk(client, "/api/v1/events/?page_size=7")
    cursor = next(link for link in links if "cursor=" in link).split("cursor=")[1].split("&")[0]
    response = client.get("/api/v1/events/", {"cursor": cursor, "ordering": "name"})
    assert response.status_code == 404


def test_a_cursor_with_a_value_of_the_wrong_type_answers_404(client):
    keyset_names = ["start_date", "slug", "pk"]
    bad = api_policies.Cursor(keyset_names, ["not a date", "x", "1"], True, 3).encode()
    assert client.get("/api/v1/events/", {"cursor": bad}).status_code == 404


def test_the_schema_documents_the_cursor(client):
    schema = client.get("/api/schema/?format=json").json()
    names = [p["name"] for p in schema["paths"]["/api/v1/events/"]["get"]["parameters"]]
    assert "cursor" in names


def unsigned(data):
    """A cursor as a client could craft one: base64 JSON the server never signed."""
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CRAFTED = {
    "deeply nested JSON": unsigned(b"[" * 100_000 + b"]" * 100_000),
    "an out-of-range date-time": unsigned(
        {"o": ["updated_at", "pk"], "v": ["9999-12-31T23:59:59-23:59", "1"], "d": "n", "p": 2}
    ),
    "a NUL in a value": unsigned(
        {"o": ["updated_at", "pk"], "v": ["2025-01-01T00:00:00Z", "1\x00"], "d": "n", "p": 2}
    ),
}


@pytest.mark.parametrize("cursor", CRAFTED.values(), ids=CRAFTED.keys())
def test_a_cursor_the_server_did_not_make_answers_404(client, cursor):
    response = client.get("/api/v1/events/", {"cursor": cursor, "ordering": "updated_at"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor."}


def test_a_tampered_cursor_answers_404(client):
    slugs, links, _last = walk(client, "/api/v1/events/?page_size=7")
    cursor = next(link for link in links if "cursor=" in link).split("cursor=")[1].split("&")[0]
    cursor = urllib.parse.unquote(cursor)
    tampered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    assert client.get("/api/v1/events/", {"cursor": cursor}).status_code == 200
    assert client.get("/api/v1/events/", {"cursor": tampered}).status_code == 404


def test_a_signed_cursor_with_an_out_of_range_value_answers_404(client):
    # Only the server signs cursors, from real rows; a value it cannot read is still a 404.
    names = ["updated_at", "pk"]
    bad = api_policies.Cursor(names, ["9999-12-31T23:59:59-23:59", "1"], True, 2).encode()
    response = client.get("/api/v1/events/", {"cursor": bad, "ordering": "updated_at"})
    assert response.status_code == 404

"""/api/v1/connections/: who met whom, paged JSON and a whole-result CSV."""

import csv
import io

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb import models
from kb.api.connections import ConnectionSerializer
from kb.lib.cells import unescape_cell
from tests import factories
from tests.support import _unthrottled, get_json  # noqa: F401

URL = "/api/v1/connections/"
ASSEMBLY = "interpol-general-assembly-93"
INTERPOL_MEETING = f"{ASSEMBLY}-meeting-interpol"
NORWAY_MEETING = f"{ASSEMBLY}-meeting-norwegian-national-police"
SOURCE = "interpol-ga-93-hammouchi-bilaterals"

CSV_HEADER = [
    "event",
    "event_name",
    "start_date",
    "end_date",
    "date_precision",
    "dates",
    *(
        f"{side}{column}"
        for side in ("host", "counterpart")
        for column in (
            "",
            "_organisation",
            "_person",
            "_post",
            "_country",
            "_country_name",
            "_region",
            "_region_name",
            "_role",
            "_role_name",
        )
    ),
    "sources",
    "source_slugs",
    "quotes",
]


def read_csv(response):
    assert response.status_code == 200, response.content[:300]
    assert response.streaming  # the whole result, never held in memory at once
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def test_the_article_gives_54_rows(client, seeded):
    body = get_json(client, URL, data={"parent": ASSEMBLY, "page_size": 200})
    assert body["count"] == 54
    assert len(body["results"]) == 54
    assert body["next"] is None
    interpol = [r for r in body["results"] if r["event"]["slug"] == INTERPOL_MEETING]
    assert sorted(r["counterpart"]["participants"][0]["post"] for r in interpol) == [
        "interpol-executive-committee-member",
        "interpol-president",
        "interpol-secretary-general",
    ]
    assert {r["counterpart"]["participants"][0]["organisation"] for r in interpol} == {"interpol"}


def test_a_row_in_json(client, seeded):
    body = get_json(client, URL, data={"participant": "norwegian-national-police"})
    (row,) = body["results"]
    assert list(row) == list(ConnectionSerializer().fields)
    assert row["event"] == {
        "slug": NORWAY_MEETING,
        "name": "Bilateral meeting with the Norwegian National Police",
        "start_date": "2025-11-24",
        "end_date": "2025-11-27",
        "date_precision": "within",
        "dates": "some day between 24 and 27 November 2025",
    }
    host = {
        "name": "Abdellatif Hammouchi — Director General of the DGSN-DGST pole — DGSN-DGST pole",
        "person": "abdellatif-hammouchi",
        "post": "director-general-pole-dgsn-dgst",
        "organisation": "pole-dgsn-dgst",
        "country": "MA",
        "country_name": "Morocco",
        "region": "africa",
        "region_name": "Africa",
    }
    side = {k: v for k, v in host.items() if k not in ("person", "post", "organisation")}
    assert row["host"] == {**side, "role": "host", "role_name": "Host", "participants": [host]}
    norway = {
        "name": "Norwegian National Police",
        "person": None,
        "post": None,
        "organisation": "norwegian-national-police",
        "country": "NO",
        "country_name": "Norway",
        "region": "europe",
        "region_name": "Europe",
    }
    assert row["counterpart"] == {
        **{k: v for k, v in norway.items() if k not in ("person", "post", "organisation")},
        "role": "counterpart",
        "role_name": "Counterpart",
        "participants": [norway],
    }
    # Both quotes behind the participation: the meeting and the agreement signed there.
    assert [c["source"] for c in row["citations"]] == [SOURCE, SOURCE]
    assert "police nationale norvégienne" in row["citations"][1]["quote"]
    assert set(row["citations"][0]) == {"source", "source_title", "language", "quote"}


def test_every_quote_is_in_the_article(client, seeded, article_text):
    body = get_json(client, URL, data={"page_size": 200})
    quotes = [c["quote"] for r in body["results"] for c in r["citations"]]
    assert len(quotes) == 56  # one per row, two for Norway's and for Ethiopia's
    assert all(q in article_text for q in quotes)


def test_an_international_body_has_no_country(client, seeded):
    body = get_json(client, URL, data={"participant": "council-of-arab-interior-ministers"})
    (row,) = body["results"]
    counterpart = row["counterpart"]
    assert [counterpart[k] for k in ("country", "country_name", "region", "region_name")] == [
        None
    ] * 4


def test_filters_narrow_and_pages_follow(client, seeded):
    body = get_json(client, URL, data={"counterpart_region": "asia", "page_size": 5})
    assert body["count"] == 9
    assert len(body["results"]) == 5
    assert {r["counterpart"]["region"] for r in body["results"]} == {"asia"}
    rest = get_json(client, body["next"])
    assert len(rest["results"]) == 4
    assert rest["next"] is None
    seen = [r["event"]["slug"] for r in body["results"] + rest["results"]]
    assert len(set(seen)) == 9


def test_french_names_with_lang_and_accept_language(client, seeded):
    query = {"participant": "police-pl"}
    for kwargs in (
        {"data": {**query, "lang": "fr"}},
        {"data": query, "HTTP_ACCEPT_LANGUAGE": "fr"},
    ):
        (row,) = get_json(client, URL, **kwargs)["results"]
        assert row["counterpart"]["name"] == "police polonaise"
        assert row["counterpart"]["country_name"] == "Pologne"
        assert row["host"]["role_name"] == "Hôte"
        assert row["event"]["dates"] == "un jour entre le 24 et le 27 novembre 2025"


def test_csv_is_every_row_in_flat_columns(client, seeded):
    response = client.get(URL, {"format": "csv", "parent": ASSEMBLY, "page_size": 5})
    assert response["Content-Disposition"] == 'attachment; filename="connections.csv"'
    header, rows = read_csv(response)
    assert header == CSV_HEADER
    assert len(rows) == 54  # the whole result, not one page
    (norway,) = [r for r in rows if r["event"] == NORWAY_MEETING]
    assert norway["counterpart"] == "Norwegian National Police"
    assert (norway["counterpart_country"], norway["counterpart_region"]) == ("NO", "europe")
    assert norway["host_person"] == "abdellatif-hammouchi"
    assert norway["dates"] == "some day between 24 and 27 November 2025"
    assert norway["source_slugs"] == SOURCE
    # Two quotes in one cell, a blank line between them.
    first, second = norway["quotes"].split("\n\n")
    assert first.startswith("Certaines de ces réunions")
    assert second.startswith(
        "Un accord a notamment été conclu avec la police nationale norvégienne"
    )
    interpol = [r for r in rows if r["event"] == INTERPOL_MEETING]
    assert sorted(r["counterpart"] for r in interpol) == [
        "Member of the INTERPOL Executive Committee — International Criminal Police Organization",
        "President of INTERPOL — International Criminal Police Organization",
        "Secretary General of INTERPOL — International Criminal Police Organization",
    ]
    assert {r["counterpart_country"] for r in interpol} == {""}


def test_csv_in_french(client, seeded):
    _header, rows = read_csv(client.get(URL, {"format": "csv", "lang": "fr", "participant": "bka"}))
    (row,) = rows
    assert row["counterpart"] == "Office fédéral de police criminelle"
    assert (row["counterpart_country_name"], row["counterpart_region_name"]) == (
        "Allemagne",
        "Europe",
    )
    assert row["host_role_name"] == "Hôte"
    assert row["dates"] == "un jour entre le 24 et le 27 novembre 2025"


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_neutralises_formulas(client, db, start):
    factories.ParticipationFactory(organisation__name_en=f'{start}HYPERLINK("http://x")')
    _header, (row,) = read_csv(client.get(URL, {"format": "csv"}))
    assert row["counterpart"] == f'\'{start}HYPERLINK("http://x")'
    assert unescape_cell(row["counterpart"]) == f'{start}HYPERLINK("http://x")'


def test_drafts_never_show(client, db):
    event = factories.EventFactory()
    factories.ParticipationFactory(event=event, organisation__slug="published-one")
    factories.ParticipationFactory(
        event=event, organisation__slug="draft-one", organisation__status=models.Status.DRAFT
    )
    factories.ParticipationFactory(
        event__status=models.Status.DRAFT, organisation__slug="at-a-draft-event"
    )
    body = get_json(client, URL)
    assert [r["counterpart"]["participants"][0]["organisation"] for r in body["results"]] == [
        "published-one"
    ]
    _header, rows = read_csv(client.get(URL, {"format": "csv"}))
    assert [r["counterpart_organisation"] for r in rows] == ["published-one"]
    # A draft is an unknown participant to the public.
    response = client.get(URL, {"participant": "draft-one"})
    assert response.status_code == 400
    assert list(response.json()) == ["participant"]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_to": "2025-13-01"}, "date_to"),
        ({"participant": "no-such-slug"}, "participant"),
        ({"parent": "no-such-event"}, "parent"),
        ({"counterpart_region": "mars"}, "counterpart_region"),
        ({"kind": "picnic"}, "kind"),
        ({"lang": "de"}, "lang"),
        ({"format": "xlsx"}, "format"),
        ({"format": "csv", "date_from": "yesterday"}, "date_from"),
    ],
)
def test_bad_input_answers_400_naming_the_parameter(client, db, query, param):
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"  # even when CSV was asked for
    body = response.json()
    assert list(body) == [param]
    assert body[param] and all(isinstance(m, str) for m in body[param])


def test_paging_as_the_lists_do(client, seeded):
    assert client.get(URL, {"page": 99}).status_code == 404
    assert client.get(URL, {"page": "x"}).status_code == 404
    # page_size is capped, not refused, as on every list; a bad one falls back to 50.
    assert len(get_json(client, URL, data={"page_size": 1000})["results"]) == 54
    assert len(get_json(client, URL, data={"page_size": "many"})["results"]) == 50
    assert len(get_json(client, URL, data={"page_size": 10})["results"]) == 10


def test_page_size_is_capped_at_200(client, db):
    event = factories.EventFactory()
    models.Participation.objects.bulk_create(
        models.Participation(event=event, organisation=o, role="counterpart")
        for o in factories.OrganisationFactory.create_batch(205)
    )
    body = get_json(client, URL, data={"page_size": 1000})
    assert body["count"] == 205
    assert len(body["results"]) == 200


def test_conditional_requests_and_the_api_root(client, seeded):
    first = client.get(URL, {"counterpart_region": "asia"})
    assert first.status_code == 200
    again = client.get(URL, {"counterpart_region": "asia"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    other = client.get(URL, {"counterpart_region": "europe"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert other.status_code == 200
    assert get_json(client, "/api/v1/")["connections"] == f"http://testserver{URL}"


def test_it_is_throttled_like_the_rest(client, db, settings):
    cache.clear()
    settings.API_ANON_THROTTLE_RATE = "2/minute"
    assert client.get(URL).status_code == 200
    assert client.get(URL, {"format": "csv"}).status_code == 200
    assert client.get(URL).status_code == 429
    cache.clear()


def _meetings(n):
    source = factories.SourceFactory()
    host = factories.OrganisationFactory()
    parent = factories.EventFactory(kind="general_assembly", slug="parent")
    for _ in range(n):
        event = factories.EventFactory(parent=parent)
        factories.ParticipationFactory(event=event, organisation=host, role="host")
        participation = factories.ParticipationFactory(event=event)
        factories.CitationFactory(record=participation, source=source)
        factories.CitationFactory(record=participation, source=source)


@pytest.mark.parametrize("rows", [5, 60])
def test_query_count_does_not_depend_on_page_size(client, db, rows):
    _meetings(rows)
    client.get(URL, {"date_from": "2000-01-01"})  # content types and the like, for the process
    caches["counts"].clear()
    # Cold: the ETag's query, the count, the page, the hosts, the quotes with their sources.
    with CaptureQueriesContext(connection) as context:
        get_json(client, URL, data={"page_size": 5})
    assert len(context.captured_queries) == 5, [q["sql"] for q in context.captured_queries]
    # The count is cached under the data version and the filters, whatever the page's size.
    for page_size in (5, 50):
        with CaptureQueriesContext(connection) as context:
            body = get_json(client, URL, data={"page_size": page_size})
        assert len(body["results"]) == min(page_size, rows)
        assert body["count"] == rows
        assert len(context.captured_queries) == 4, [q["sql"] for q in context.captured_queries]
    # Other filters, another count; a filter naming a record checks it exists: one query more.
    with CaptureQueriesContext(connection) as context:
        body = get_json(client, URL, data={"parent": "parent", "page_size": 50})
    assert body["count"] == rows
    assert len(context.captured_queries) == 6


@pytest.mark.parametrize("rows", [5, 60])
def test_csv_query_count_does_not_depend_on_rows(client, db, rows):
    _meetings(rows)
    client.get(URL, {"format": "csv"})
    with CaptureQueriesContext(connection) as context:
        _header, found = read_csv(client.get(URL, {"format": "csv"}))
    assert len(found) == rows
    # The ETag's query, then one chunk: the rows, the hosts, the quotes.
    assert len(context.captured_queries) == 4, [q["sql"] for q in context.captured_queries]

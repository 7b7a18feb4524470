"""The "who met whom" page: the table, its filters, its links, its errors and its cost."""

import html
import re
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kb import models
from tests import factories
from tests.support import _unthrottled  # noqa: F401

ASSEMBLY = "interpol-general-assembly-93"
NORWAY_MEETING = f"{ASSEMBLY}-meeting-norwegian-national-police"
SOURCE = "interpol-ga-93-hammouchi-bilaterals"
CSS = Path(__file__).resolve().parents[2] / "kb" / "static" / "kb" / "site.css"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def url(language="en"):
    with translation.override(language):
        return reverse("kb:connections")


def _text(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table_rows(response):
    """Each body row of the table: each cell's text, its second line after " | "."""
    text = response.content.decode()
    body = re.search(r"<tbody>(.*?)</tbody>", text, re.S)
    if body is None:
        return []
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = []
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S):
            detail = re.search(r'<span class="detail">(.*?)</span>', cell, re.S)
            main = _text(cell[: detail.start()] + cell[detail.end() :] if detail else cell)
            second = _text(detail.group(1)) if detail else ""
            cells.append(f"{main} | {second}" if second else main)
        found.append(cells)
    return found


def test_the_article_gives_54_rows_over_three_pages(client, seeded):
    response = client.get(url(), {"parent": ASSEMBLY})
    assert response.status_code == 200
    text = response.content.decode()
    assert "54 meeting rows" in text
    assert len(table_rows(response)) == 25
    assert "Page 1 of 3" in text
    last = client.get(url(), {"parent": ASSEMBLY, "page": 3})
    assert len(table_rows(last)) == 4


def test_a_row_shows_both_sides_the_event_roles_and_every_quote(client, seeded, article_text):
    response = client.get(url(), {"participant": "norwegian-national-police"})
    (row,) = table_rows(response)
    event, host, host_country, counterpart, country, sources = row
    assert event == (
        "Bilateral meeting with the Norwegian National Police "
        "| some day between 24 and 27 November 2025"
    )
    assert host == (
        "Abdellatif Hammouchi — Director General of the DGSN-DGST pole — DGSN-DGST pole | Host"
    )
    assert host_country == "Morocco | Africa"
    assert counterpart == "Norwegian National Police | Counterpart"
    assert country == "Norway | Europe"
    # Both quotes, each the article's own words, each with its source linked.
    quotes = re.findall(r"<q lang=\"fr\">(.*?)</q>", response.content.decode(), re.S)
    assert len(quotes) == 2
    assert all(html.unescape(q) in article_text for q in quotes)
    assert sources.count("Assemblée générale d’INTERPOL") == 2
    text = response.content.decode()
    for path in (
        reverse("kb:event-detail", args=[NORWAY_MEETING]),
        reverse("kb:person-detail", args=["abdellatif-hammouchi"]),
        reverse("kb:organisation-detail", args=["pole-dgsn-dgst"])
        + "#post-director-general-pole-dgsn-dgst",
        reverse("kb:organisation-detail", args=["pole-dgsn-dgst"]),
        reverse("kb:organisation-detail", args=["norwegian-national-police"]),
        reverse("kb:source-detail", args=[SOURCE]),
    ):
        assert f'href="{path}"' in text, path


def test_every_quote_on_the_page_is_in_the_article(client, seeded, article_text):
    for page in (1, 2, 3):
        text = client.get(url(), {"page": page}).content.decode()
        quotes = re.findall(r"<q lang=\"fr\">(.*?)</q>", text, re.S)
        assert quotes
        assert all(html.unescape(q) in article_text for q in quotes)


def test_the_interpol_meeting_shows_its_three_posts(client, seeded):
    response = client.get(url(), {"participant": "interpol"})
    counterparts = sorted(row[3] for row in table_rows(response))
    organisation = "International Criminal Police Organization"
    assert counterparts == [
        f"Member of the INTERPOL Executive Committee — {organisation} | Counterpart",
        f"President of INTERPOL — {organisation} | Counterpart",
        f"Secretary General of INTERPOL — {organisation} | Counterpart",
    ]
    assert 'href="/en/organisations/interpol/#post-interpol-president"' in response.content.decode()
    # An international body: no country, no region.
    assert {row[4] for row in table_rows(response)} == {"—"}


def test_filters_narrow_and_the_table_matches_the_api(client, seeded):
    response = client.get(url(), {"counterpart_region": "asia"})
    assert "9 meeting rows" in response.content.decode()
    shown = table_rows(response)
    assert {row[4].split(" | ")[1] for row in shown} == {"Asia"}
    api = client.get("/api/v1/connections/", {"counterpart_region": "asia"}).json()
    assert [row[0] for row in shown] == [
        f"{r['event']['name']} | {r['event']['dates']}" for r in api["results"]
    ]
    assert [row[3] for row in shown] == [
        f"{r['counterpart']['name']} | {r['counterpart']['role_name']}" for r in api["results"]
    ]
    assert [row[4] for row in shown] == [
        f"{r['counterpart']['country_name']} | {r['counterpart']['region_name']}"
        for r in api["results"]
    ]


def test_json_and_csv_links_carry_the_query_and_the_language(client, seeded):
    response = client.get(url("fr"), {"counterpart_region": "asia"})
    text = html.unescape(response.content.decode())
    assert 'href="/api/v1/connections/?counterpart_region=asia&lang=fr&format=csv"' in text
    assert 'href="/api/v1/connections/?counterpart_region=asia&lang=fr"' in text
    english = html.unescape(client.get(url(), {"counterpart_region": "asia"}).content.decode())
    assert 'href="/api/v1/connections/?counterpart_region=asia&lang=en&format=csv"' in english
    # Followed, the CSV link gives the page's rows, in French.
    csv_text = b"".join(
        client.get(
            "/api/v1/connections/", {"counterpart_region": "asia", "lang": "fr", "format": "csv"}
        ).streaming_content
    ).decode()
    assert len(csv_text.strip().splitlines()) == 1 + 9
    assert "délégation de la Chine" in csv_text


def test_french_names_under_fr(client, seeded):
    response = client.get(url("fr"), {"participant": "police-pl"})
    assert response.status_code == 200
    (row,) = table_rows(response)
    assert row[0] == (
        "Réunion bilatérale avec la police polonaise | un jour entre le 24 et le 27 novembre 2025"
    )
    assert row[1] == (
        "Abdellatif Hammouchi — Directeur général du pôle DGSN-DGST — pôle DGSN-DGST | Hôte"
    )
    assert row[2:5] == ["Maroc | Afrique", "police polonaise | Interlocuteur", "Pologne | Europe"]
    assert 'href="/fr/organisations/police-pl/"' in response.content.decode()
    text = response.content.decode()
    assert "1 ligne de rencontre" in text
    assert '<th scope="col">Pays et région</th>' in text
    assert "Télécharger ces lignes (CSV)" in text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "yesterday"}, "date_from", "Enter a valid date."),
        ({"participant": "no-such-slug"}, "participant", "Unknown organisation: no-such-slug."),
        ({"counterpart_region": "mars"}, "counterpart_region", "Unknown value: mars."),
    ],
)
def test_invalid_filters_answer_400_with_the_error_on_the_field(
    client, seeded, query, field, message
):
    response = client.get(url(), query)
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    # The message sits in the field's own group, beside its input.
    group = re.search(
        rf'<div class="field has-error">((?:(?!<div class="field).)*?name="{field}".*?)</div>',
        text,
        re.S,
    )
    assert group is not None, text
    assert message in group.group(1)
    assert f'id="id_{field}_error"' in group.group(1)
    assert table_rows(response) == []
    assert "/api/v1/connections/" not in text


def test_an_unknown_page_is_a_404_and_empty_parameters_are_dropped(client, seeded):
    assert client.get(url(), {"page": 99}).status_code == 404
    assert client.get(url(), {"page": "x"}).status_code == 404
    response = client.get(url(), {"parent": "", "counterpart_region": "asia", "kind": ""})
    assert response.status_code == 302
    assert response["Location"] == f"{url()}?counterpart_region=asia"


def test_drafts_never_show(client, db):
    event = factories.EventFactory()
    factories.ParticipationFactory(event=event, organisation__name_en="Published police")
    factories.ParticipationFactory(
        event=event, organisation__name_en="Draft police", organisation__status="draft"
    )
    factories.ParticipationFactory(
        event__status=models.Status.DRAFT, organisation__name_en="Police at a draft event"
    )
    response = client.get(url())
    assert [row[3] for row in table_rows(response)] == ["Published police | Counterpart"]
    assert "Draft police" not in response.content.decode()
    assert "draft event" not in response.content.decode()


def test_no_rows_says_so(client, db):
    response = client.get(url())
    assert response.status_code == 200
    assert "No published meeting matches these filters." in response.content.decode()


def test_the_table_scrolls_in_its_own_box(client, seeded):
    text = client.get(url()).content.decode()
    assert '<div class="connections-scroll" role="region"' in text
    css = CSS.read_text()
    block = css[css.index("/* connections") :]
    rule = re.search(r"\.connections-scroll \{(.*?)\}", block, re.S).group(1)
    assert "overflow-x: auto" in rule


def _meetings(n):
    source = factories.SourceFactory()
    host = factories.OrganisationFactory()
    for _ in range(n):
        event = factories.EventFactory()
        factories.ParticipationFactory(event=event, organisation=host, role="host")
        participation = factories.ParticipationFactory(event=event)
        factories.CitationFactory(record=participation, source=source)


@pytest.mark.parametrize("rows", [5, 40])
def test_query_count_does_not_grow_with_rows(client, db, rows):
    _meetings(rows)
    client.get(url())  # warm caches (content types, translations)
    caches["counts"].clear()
    # Cold: the data version, the count, the page, the events' hosts, the quotes with sources.
    with CaptureQueriesContext(connection) as context:
        response = client.get(url())
    assert response.status_code == 200
    assert len(table_rows(response)) == min(rows, 25)
    assert len(context.captured_queries) == 5, [q["sql"] for q in context.captured_queries]
    # The count is cached under the data version and the page's filters, as the lists' are.
    with CaptureQueriesContext(connection) as context:
        response = client.get(url(), {"page": 1})
    assert len(table_rows(response)) == min(rows, 25)
    assert len(context.captured_queries) == 4, [q["sql"] for q in context.captured_queries]

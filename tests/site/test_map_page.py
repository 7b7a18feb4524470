"""The map page (kb:map) and the home page's map: the table against the API, the data the
script reads, bad filters, drafts, and query counts (the drawing: test_browser_map.py)."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kb.models import Status
from tests import factories

ASSEMBLY = "interpol-general-assembly-93"
INTERNATIONAL_BODIES = {
    "interpol",
    "council-of-arab-interior-ministers",
    "naif-arab-university-for-security-sciences",
    "un-department-of-peace-operations",
}


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


class Tables(HTMLParser):
    """The page's data tables: {key: [cell texts]} per table, keyed by the row's data-code
    (countries) or data-slug (international bodies); and each row's links."""

    def __init__(self):
        super().__init__()
        self.tables = []
        self.links = {}
        self.row = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in (attrs.get("class") or ""):
            self.tables.append({})
        elif tag == "tr" and self.tables and ("data-code" in attrs or "data-slug" in attrs):
            self.row = attrs.get("data-code") or attrs.get("data-slug")
            self.tables[-1][self.row] = []
        elif tag in ("td", "th") and self.row:
            self.cell = []
        elif tag == "a" and self.row:
            self.links[self.row] = attrs["href"]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][self.row].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(response):
    parser = Tables()
    parser.feed(response.content.decode())
    return parser


def island(html, element_id):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no {element_id} data island"
    return json.loads(match.group(1))


def api(client, query, language):
    response = client.get(f"/api/v1/map/?{query}&lang={language}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("language", "norway", "summary"),
    [
        (
            "en",
            "Norway",
            "Counterparts from 48 countries in 4 regions, and 4 international bodies.",
        ),
        (
            "fr",
            "Norvège",
            "Des interlocuteurs de 48 pays dans 4 régions, et 4 organisations internationales.",
        ),
    ],
)
def test_the_table_shows_the_apis_numbers(client, seeded, language, norway, summary):
    query = f"parent={ASSEMBLY}"
    response = client.get(f"/{language}/map/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<p class="map-summary">{summary}</p>' in html
    data = api(client, query, language)
    parsed = tables(response)
    countries, bodies = parsed.tables
    # Every country, in the API's order, with its name, region and four numbers.
    assert list(countries) == [row["code"] for row in data["countries"]]
    for row in data["countries"]:
        assert countries[row["code"]] == [
            row["name"],
            row["region_name"],
            str(row["counterpart_events"]),
            str(row["hosted_events"]),
            str(row["agreements"]),
            str(row["total"]),
        ]
    assert list(bodies) == [body["slug"] for body in data["international"]]
    for body in data["international"]:
        assert bodies[body["slug"]] == [
            body["name"],
            *(str(body[k]) for k in ("counterpart_events", "hosted_events", "agreements", "total")),
        ]
    # The seed's facts.
    assert sum(1 for row in data["countries"] if row["counterpart_events"]) == 48
    assert countries["NO"][0] == norway
    assert [row for row in data["countries"] if row["host"]] == [
        row for row in data["countries"] if row["code"] == "MA"
    ]
    assert set(bodies) == INTERNATIONAL_BODIES
    # A country links to its meetings in the same scope; a body to its page.
    assert parsed.links["NO"] == f"/{language}/events/?{query}&counterpart_country=NO"
    assert parsed.links["interpol"] == f"/{language}/organisations/interpol/"


@pytest.mark.parametrize(
    ("language", "norway", "australia"),
    [("en", "Norway", "Australia"), ("fr", "Norvège", "Australie")],
)
def test_the_script_gets_the_query_the_urls_and_every_countrys_name(
    client, seeded, language, norway, australia
):
    response = client.get(f"/{language}/map/?parent={ASSEMBLY}&counterpart_region=europe")
    html = response.content.decode()
    assert (
        f'data-api="/api/v1/map/?parent={ASSEMBLY}&amp;counterpart_region=europe&amp;lang={language}"'
        in html
    )
    assert f'data-events="/{language}/events/"' in html
    assert f'data-scope="parent={ASSEMBLY}&amp;counterpart_region=europe"' in html
    assert 'data-atlas="/static/vendor/world-atlas/countries-50m.json"' in html
    assert f'data-organisation="/{language}/organisations/__slug__/"' in html
    names = island(html, "map-names")
    # Keyed as world-atlas keys its shapes: ISO numeric, three digits.
    assert names["578"] == norway
    assert names["036"] == australia  # no data, still named in the page's language
    assert names["048"]  # Bahrain
    assert len(names) == 249
    words = island(html, "map-words")
    assert set(words) >= {"counterpart", "hosted", "agreements", "noData", "host"}
    # Scripts are files of the site, never inline (the CSP allows no inline script).
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", html) == []


def test_the_filters_narrow_the_table(client, seeded):
    response = client.get(f"/en/map/?parent={ASSEMBLY}&counterpart_region=asia")
    countries = tables(response).tables[0]  # and no international body: no second table
    met = [code for code, cells in countries.items() if cells[2] != "0"]
    assert len(met) == 9
    assert all(countries[code][1] == "Asia" for code in met)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("date_from=yesterday", "date_from"),
        ("participant=no-such-organisation", "participant"),
        ("counterpart_country=XX", "counterpart_country"),
        ("counterpart_region=atlantis", "counterpart_region"),
        ("kind=picnic", "kind"),
    ],
)
def test_a_bad_filter_is_a_400_with_the_error_on_its_field(client, seeded, query, param):
    response = client.get(f"/en/map/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters are not valid" in html
    assert f'<div class="field has-error"><label for="id_{param}">' in html, param
    assert "<details open>" in html  # the form opens to show it
    assert 'class="world-map"' not in html  # no picture of a query that means nothing


def test_empty_parameters_are_dropped_from_the_url(client, db):
    response = client.get("/en/map/?parent=&kind=&topic=")
    assert response.status_code == 302
    assert response["Location"] == "/en/map/"


def test_no_filter_shows_everything_published(client, seeded):
    response = client.get("/en/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "None: every published record." in html
    assert 'data-api="/api/v1/map/?lang=en"' in html
    assert '<a href="/en/map/" aria-current="page">Map</a>' in html
    for name, label in (
        ("network", "Network"),
        ("timeline", "Timeline"),
        ("connections", "Who met whom"),
    ):
        assert f'<a href="/en/{name}/">{label}</a>' in html
    levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_a_draft_organisation_is_on_neither_the_table_nor_the_api(client, db):
    meeting = factories.EventFactory()
    factories.ParticipationFactory(event=meeting, organisation__country="IS")
    factories.ParticipationFactory(
        event=meeting, organisation__country="NZ", organisation__status=Status.DRAFT
    )
    factories.ParticipationFactory(event=meeting, organisation__country="", organisation__slug="un")
    factories.ParticipationFactory(
        event=meeting,
        organisation__country="",
        organisation__slug="secret-body",
        organisation__status=Status.DRAFT,
    )
    countries, bodies = tables(client.get("/en/map/")).tables
    assert list(countries) == ["IS"]
    assert list(bodies) == ["un"]
    data = api(client, "", "en")
    assert [row["code"] for row in data["countries"]] == ["IS"]
    assert [body["slug"] for body in data["international"]] == ["un"]


def _meetings(n):
    """n meetings of an assembly, each with a host, a counterpart from one of 10 countries
    and an international body; and n agreements between two countries."""
    assembly = factories.EventFactory(slug="assembly", kind="general_assembly")
    host = factories.OrganisationFactory(country="MA")
    codes = ["NO", "ET", "FR", "DE", "BR", "JP", "IN", "KE", "US", "AU"]
    for i in range(n):
        meeting = factories.EventFactory(parent=assembly)
        factories.ParticipationFactory(event=meeting, organisation=host, role="host")
        factories.ParticipationFactory(event=meeting, organisation__country=codes[i % 10])
        factories.ParticipationFactory(event=meeting, organisation__country="")
        party = factories.AgreementPartyFactory(agreement__signed_at=meeting, organisation=host)
        factories.AgreementPartyFactory(agreement=party.agreement, organisation__country="NO")


@pytest.mark.parametrize("rows", [5, 40])
def test_map_page_query_count_does_not_grow(client, db, rows):
    _meetings(rows)
    url = "/en/map/?parent=assembly"
    client.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert len(tables(response).tables[0]) == min(rows, 10) + 1  # and the host
    # the parent slug's check, the events' groups, the parties' GROUP BY, the bodies' names
    assert len(context.captured_queries) == 4, [q["sql"] for q in context]


# The home page -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Who met at the latest event: 93rd INTERPOL General Assembly"),
        ("fr", "Qui s’est rencontré au dernier événement : 93ᵉ Assemblée générale d’INTERPOL"),
    ],
)
def test_home_maps_the_latest_top_level_event(client, seeded, language, heading):
    response = client.get(f"/{language}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<h2 id="cooperation-heading">{heading}</h2>' in html
    assert f'data-api="/api/v1/map/?parent={ASSEMBLY}&amp;lang={language}"' in html
    assert f'data-scope="parent={ASSEMBLY}"' in html
    assert island(html, "map-names")["578"] == ("Norway" if language == "en" else "Norvège")
    for name in ("map", "network", "timeline", "connections"):
        with translation.override(language):
            url = reverse(f"kb:{name}")
        assert f'<a href="{url}?parent={ASSEMBLY}">' in html, name
    # The sections the home page had stay.
    for section in ("browse-heading", "events-heading", "agreements-heading", "quality-heading"):
        assert f'id="{section}"' in html


def test_home_maps_the_latest_by_start_date_and_skips_parts_and_drafts(client, db):
    old = factories.EventFactory(
        slug="old-assembly", start_date="2024-01-01", end_date="2024-01-02"
    )
    new = factories.EventFactory(
        slug="new-assembly", start_date="2025-06-01", end_date="2025-06-02"
    )
    # Later, but part of another event, or not published: not the latest top-level event.
    factories.EventFactory(slug="part", parent=old, start_date="2026-01-01", end_date="2026-01-01")
    factories.EventFactory(
        slug="draft", status=Status.DRAFT, start_date="2026-02-01", end_date="2026-02-01"
    )
    html = client.get("/en/").content.decode()
    assert f'data-scope="parent={new.slug}"' in html
    assert html.count('class="world-map"') == 1


def test_home_has_no_map_without_events(client, db):
    html = client.get("/en/").content.decode()
    assert 'class="world-map"' not in html
    assert 'id="browse-heading"' in html


@pytest.mark.parametrize("rows", [5, 40])
def test_home_query_count_does_not_grow(client, db, rows):
    _meetings(rows)
    client.get("/en/")
    with CaptureQueriesContext(connection) as context:
        response = client.get("/en/")
    assert response.status_code == 200
    assert 'data-scope="parent=assembly"' in response.content.decode()
    # The data version (the counts are cached under it), the latest events, the latest
    # agreements with their parties, topics and citations: as before the map, which
    # adds none (its script reads the API).
    assert len(context.captured_queries) == 6, [q["sql"] for q in context]

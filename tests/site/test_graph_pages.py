"""The network and timeline pages (kb/site/graphs.py) without a browser: their tables show the
API's numbers for the same query, in English and French; bad filters are a 400 beside the
field; drafts never show; caps say what they leave out; query counts do not grow with the data.
(tests/site/test_browser_graphs.py draws the pictures in Chromium.)"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kb.models import Status
from kb.site import graphs
from tests import factories

ASSEMBLY = "interpol-general-assembly-93"
POLE = "organisation:pole-dgsn-dgst"
NORWAY = "organisation:norwegian-national-police"
ETHIOPIA = "organisation:ethiopian-federal-police"


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


class Tables(HTMLParser):
    """Each <table>'s body rows, by the table's classes: (the row's attributes, its cells' text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables = {}
        self._table = None
        self._row = None
        self._cell = None
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("class", ""), [])
        elif tag == "tr" and self._table is not None and attrs:
            self._row = (attrs, [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a" and self._cell is not None:
            self.links.append(attrs.get("href"))

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(response):
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


def table(response, name):
    found = [rows for classes, rows in tables(response).items() if name in classes.split()]
    assert found, f"no table {name}"
    return found[0]


def api(client, name, query, lang, **extra):
    url = reverse(f"v1:{name}")
    response = client.get(url, {**query, "lang": lang, **extra})
    assert response.status_code == 200, response.content
    return response.json()


# The network ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_network_tables_show_the_apis_graph(client, seeded, lang):
    query = {"parent": ASSEMBLY}
    response = client.get(f"/{lang}/network/", query)
    assert response.status_code == 200
    data = api(client, "graph", query, lang)

    nodes = table(response, "network-nodes-table")
    assert {row[0]["data-id"]: row[1][0] for row in nodes} == {
        n["id"]: n["name"] for n in data["nodes"]
    }
    degrees = {row[0]["data-id"]: int(row[1][4]) for row in nodes}
    assert degrees == {n["id"]: n["degree"] for n in data["nodes"]}
    # Most linked first.
    assert [int(row[1][4]) for row in nodes] == sorted(degrees.values(), reverse=True)

    edges = table(response, "network-edges-table")
    assert len(edges) == len(data["edges"])
    assert sorted((row[0]["data-kind"], int(row[1][3])) for row in edges) == sorted(
        (e["kind"], e["weight"]) for e in data["edges"]
    )


def test_the_pole_is_the_most_linked_with_52_counterparts(client, seeded):
    response = client.get("/en/network/", {"parent": ASSEMBLY})
    nodes = {row[0]["data-id"]: row[1] for row in table(response, "network-nodes-table")}
    pole = nodes[POLE]
    assert pole[0] == "DGSN-DGST pole"
    assert pole[1:4] == ["Organisation", "Morocco", "Africa"]
    assert int(pole[4]) == max(int(cells[4]) for cells in nodes.values())
    data = api(client, "graph", {"parent": ASSEMBLY}, "en")
    met = {
        e["target"] if e["source"] == POLE else e["source"]
        for e in data["edges"]
        if e["kind"] == "meeting" and POLE in (e["source"], e["target"])
    }
    assert len(met) == 52
    edges = table(response, "network-edges-table")
    meetings = [
        row for row in edges if row[0]["data-kind"] == "meeting" and "DGSN-DGST pole" in row[1][:2]
    ]
    assert len(meetings) == 52
    agreements = {tuple(sorted(row[1][:2])) for row in edges if row[0]["data-kind"] == "agreement"}
    assert agreements == {
        ("DGSN-DGST pole", "Norwegian National Police"),
        ("DGSN-DGST pole", "Ethiopian Federal Police"),
    }


def test_network_page_in_french(client, seeded):
    response = client.get("/fr/network/", {"parent": ASSEMBLY})
    text = response.content.decode()
    assert "Les mêmes données en tableau" in text
    nodes = {row[0]["data-id"]: row[1] for row in table(response, "network-nodes-table")}
    assert nodes[NORWAY][0] == "police nationale norvégienne"
    assert nodes[NORWAY][2] == "Norvège"
    # The script fetches the French answer and names countries in French.
    assert 'data-api="/api/v1/graph/?parent=interpol-general-assembly-93&amp;lang=fr"' in text
    assert '"NO": "Norv\\u00e8ge"' in text
    assert 'data-organisation-url="/fr/organisations/__slug__/"' in text


def test_network_links_its_records_and_downloads(client, seeded):
    response = client.get("/en/network/", {"parent": ASSEMBLY})
    text = response.content.decode()
    assert 'href="/en/organisations/pole-dgsn-dgst/"' in text
    assert 'href="/en/people/abdellatif-hammouchi/"' in text
    for fmt, root in (("gexf", b"<gexf"), ("graphml", b"<graphml")):
        href = f"/api/v1/graph/?parent={ASSEMBLY}&amp;lang=en&amp;format={fmt}"
        assert f'href="{href}"' in text
        download = client.get(href.replace("&amp;", "&"))
        assert download.status_code == 200
        assert root in download.content


def test_network_edge_table_is_capped_with_a_note(client, seeded, monkeypatch):
    monkeypatch.setattr(graphs, "EDGE_ROWS", 5)
    response = client.get("/en/network/", {"parent": ASSEMBLY})
    edges = table(response, "network-edges-table")
    assert len(edges) == 5
    total = len(api(client, "graph", {"parent": ASSEMBLY}, "en")["edges"])
    assert f"{total - 5} more are in the downloads above" in response.content.decode()


def test_network_says_it_is_drawn_from_the_most_recent_records(client, seeded, settings):
    """Past GRAPH_MAX_RECORDS, the page and the API say how many events and agreements the
    network is drawn from; the article's 53 events and 2 agreements, under the default
    (500), are all drawn and nothing is said."""
    whole = api(client, "graph", {}, "en")
    assert (whole["total_events"], whole["omitted_events"], whole["max_records"]) == (53, 0, 500)
    assert 'id="network-records"' not in client.get("/en/network/").content.decode()

    settings.GRAPH_MAX_RECORDS = 10
    data = api(client, "graph", {}, "en")
    assert (data["total_events"], data["omitted_events"]) == (53, 43)
    assert (data["total_agreements"], data["omitted_agreements"]) == (2, 0)
    assert len(data["edges"]) < len(whole["edges"])
    text = notice_text(client.get("/en/network/"), "network-records")
    assert text == (
        "The network is drawn from the most recent events: 10 of the 53 that match the "
        "filters. Narrow the filters above (dates, a participant, a region) to see the others."
    )
    settings.GRAPH_MAX_RECORDS = 1
    text = notice_text(client.get("/fr/network/"), "network-records")
    assert text == (
        "Le réseau est tracé d’après les événements les plus récents : 1 sur 53 qui répondent "
        "aux filtres. Il montre les parties aux accords les plus récents : 1 sur 2 qui y "
        "répondent. Resserrez les filtres ci-dessus (dates, participant, région) pour voir "
        "les autres."
    )


def notice_text(response, element_id):
    html = response.content.decode()
    found = re.search(rf'<p class="notice" id="{element_id}">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else None


def test_network_says_how_many_nodes_it_left_out(client, seeded, settings):
    settings.GRAPH_MAX_NODES = 10
    response = client.get("/en/network/", {"parent": ASSEMBLY})
    assert len(table(response, "network-nodes-table")) == 10
    data = api(client, "graph", {"parent": ASSEMBLY}, "en")
    assert data["omitted_nodes"] == data["total_nodes"] - 10 > 0
    assert (
        f"{data['omitted_nodes']} of the {data['total_nodes']} organisations and people, "
        "the least linked, are left out of the network: it shows 10."
    ) in response.content.decode()


def test_filters_narrow_the_network(client, seeded):
    response = client.get("/en/network/", {"parent": ASSEMBLY, "counterpart_country": "NO"})
    names = {row[1][0] for row in table(response, "network-nodes-table")}
    assert "Norwegian National Police" in names
    assert "Ethiopian Federal Police" not in names


@pytest.mark.parametrize("page", ["network", "timeline"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "yesterday"}, "date_from"),
        ({"participant": "no-such-slug"}, "participant"),
        ({"counterpart_region": "atlantis"}, "counterpart_region"),
    ],
)
def test_bad_filter_is_a_400_with_the_error_beside_its_field(client, seeded, page, query, field):
    response = client.get(f"/en/{page}/", query)
    assert response.status_code == 400
    text = response.content.decode()
    assert f'id="id_{field}_error"' in text
    assert "Some filters are not valid" in text
    assert "data-api=" not in text  # no picture, no table of a wrong query


def test_timeline_group_must_be_region_or_kind(client, seeded):
    response = client.get("/en/timeline/", {"group": "colour"})
    assert response.status_code == 400
    assert 'id="id_group_error"' in response.content.decode()


def test_drafts_never_show(client, db):
    host = factories.OrganisationFactory(name_en="Host police")
    draft = factories.OrganisationFactory(name_en="Secret police", status=Status.DRAFT)
    event = factories.EventFactory(name_en="A meeting")
    factories.ParticipationFactory(event=event, organisation=host, role="host")
    factories.ParticipationFactory(event=event, organisation=draft)
    hidden = factories.EventFactory(name_en="A draft meeting", status=Status.DRAFT)
    factories.ParticipationFactory(event=hidden, organisation=host, role="host")
    for page in ("network", "timeline"):
        text = client.get(f"/en/{page}/").content.decode()
        assert "Secret police" not in text
        assert "A draft meeting" not in text
    timeline = client.get("/en/timeline/")
    assert [row[1][0] for row in table(timeline, "timeline-items-table")] == ["A meeting"]


# The timeline ---------------------------------------------------------------------------

WITHIN = {
    "en": "some day between 24 and 27 November 2025",
    "fr": "un jour entre le 24 et le 27 novembre 2025",
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_timeline_tables_show_the_apis_timeline(client, seeded, lang):
    query = {"parent": ASSEMBLY}
    response = client.get(f"/{lang}/timeline/", query)
    assert response.status_code == 200
    data = api(client, "timeline", query, lang)

    groups = table(response, "timeline-groups-table")
    assert [(row[0]["data-group"], row[1][0], int(row[1][1])) for row in groups] == [
        (g["slug"], g["name"], g["count"]) for g in data["groups"]
    ]
    # Four regions' lanes, and the international bodies'.
    assert {row[0]["data-group"] for row in groups} == {
        "africa",
        "europe",
        "asia",
        "latin-america-caribbean",
        "international",
    }
    items = table(response, "timeline-items-table")
    assert [(row[0]["data-slug"], row[0]["data-group"], row[1][2]) for row in items] == [
        (i["slug"], i["group"], i["label"]) for i in data["items"]
    ]
    assert {row[1][2] for row in items} == {WITHIN[lang]}
    types = {"en": {"Event", "Agreement"}, "fr": {"Événement", "Accord"}}[lang]
    assert {row[1][1] for row in items} == types
    assert len({i["slug"] for i in data["items"] if i["type"] == "event"}) == 52
    assert {i["slug"] for i in data["items"] if i["type"] == "agreement"} == {
        "pole-dgsn-dgst-norwegian-national-police-agreement",
        "pole-dgsn-dgst-ethiopian-federal-police-protocol",
    }


def test_timeline_by_kind(client, seeded):
    response = client.get("/en/timeline/", {"parent": ASSEMBLY, "group": "kind"})
    assert response.status_code == 200
    groups = {
        row[0]["data-group"]: int(row[1][1]) for row in table(response, "timeline-groups-table")
    }
    assert groups == {"bilateral_meeting": 52, "mou": 2}
    text = response.content.decode()
    # The control is part of the filter form, so the choice is in the URL the form sends.
    assert '<option value="kind" selected>' in text
    assert (
        'data-api="/api/v1/timeline/?parent=interpol-general-assembly-93&amp;lang=en&amp;group=kind"'
        in text
    )


def test_timeline_table_is_paged(client, seeded, monkeypatch):
    monkeypatch.setattr(graphs, "TIMELINE_ROWS", 20)
    query = {"parent": ASSEMBLY}
    data = api(client, "timeline", query, "en")
    first = client.get("/en/timeline/", query)
    assert len(table(first, "timeline-items-table")) == 20
    assert "Page 1 of 3" in first.content.decode()
    last = client.get("/en/timeline/", {**query, "page": 3})
    rows = table(last, "timeline-items-table")
    assert [row[0]["data-slug"] for row in rows] == [i["slug"] for i in data["items"][40:]]
    assert client.get("/en/timeline/", {**query, "page": 9}).status_code == 404
    assert client.get("/en/timeline/", {**query, "page": "x"}).status_code == 404


def test_empty_parameters_are_dropped_from_the_url(client, seeded):
    response = client.get("/en/timeline/", {"parent": ASSEMBLY, "topic": "", "group": "kind"})
    assert response.status_code == 302
    assert response.url == f"/en/timeline/?parent={ASSEMBLY}&group=kind"


# Query counts ---------------------------------------------------------------------------


def _cooperation(n):
    """n dated meetings of a host with n counterparts, each with a named person holding a post
    there, and n dated agreements between the host and each counterpart."""
    host = factories.OrganisationFactory(country="MA")
    parent = factories.EventFactory(kind="general_assembly", slug="the-assembly")
    for i in range(n):
        event = factories.EventFactory(parent=parent)
        counterpart = factories.OrganisationFactory(country=("NO", "ET", "BR", "CN")[i % 4])
        member = factories.MembershipFactory(post__organisation=counterpart)
        factories.ParticipationFactory(event=event, organisation=host, role="host")
        factories.ParticipationFactory(event=event, organisation=counterpart, person=member.person)
        party = factories.AgreementPartyFactory(
            organisation=counterpart,
            agreement__signed_at=event,
            agreement__signed_start=datetime.date(2025, 11, 25),
            agreement__signed_end=datetime.date(2025, 11, 25),
        )
        factories.AgreementPartyFactory(organisation=host, agreement=party.agreement)


def _queries(client, url):
    client.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


# network: the parent's slug checked, the events and agreements counted, participations,
# parties, memberships, organisations, people; timeline: the slug, then for events and for
# agreements their count, their rows and their counterparts' countries.
@pytest.mark.parametrize(("page", "queries"), [("network", 8), ("timeline", 7)])
@pytest.mark.parametrize("rows", [5, 40])
def test_query_counts_are_pinned(client, db, page, queries, rows):
    _cooperation(rows)
    assert _queries(client, f"/en/{page}/?parent=the-assembly") == queries

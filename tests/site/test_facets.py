"""List pages' facets: each filter's values with their counts, as links that add the filter
(kb/site/facets.py, includes/facets.html); cached, so a repeated page counts nothing."""

import lxml.html
import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kb.site.facets import _KEPT as kept
from tests import factories
from tests.site.test_page_queries import _events, _organisations
from tests.site.test_pages import result_count


@pytest.fixture(autouse=True)
def english():
    caches["counts"].clear()
    kept.clear()
    with translation.override("en"):
        yield


FACET = "//nav[@class='facets']//details[@class='facet']"


def facet_elements(response):
    """{facet title: its <details> element}."""
    tree = lxml.html.fromstring(response.content.decode())
    return {d.xpath("./summary")[0].text_content().strip(): d for d in tree.xpath(FACET)}


def facets_of(response):
    """{facet title: [(label, count, href, selected)]}, as the page shows them."""
    found = {}
    for title, facet in facet_elements(response).items():
        values = []
        for item in facet.xpath(".//li[contains(@class, 'facet-value')]"):
            selected = "selected" in item.classes
            link = item.xpath(".//a[@class='facet-remove']" if selected else ".//a")[0]
            label = item.xpath(".//span[@class='facet-label']")[0]
            hidden = "".join(label.xpath("./span[@class='visually-hidden']/text()"))
            count = item.xpath(".//span[@class='facet-count']")[0].text_content()
            count = int(count) if count else None
            text = label.text_content().replace(hidden, "", 1).strip()
            values.append((text, count, link.get("href"), selected))
        found[title] = values
    return found


def by_label(values):
    return {label: (count, href, selected) for label, count, href, selected in values}


def test_events_list_shows_its_facets_with_counts(client, seeded):
    response = client.get(reverse("kb:event-list"))
    facets = facets_of(response)
    assert [(label, count) for label, count, *_ in facets["Kind"]] == [
        ("Bilateral meeting", 52),
        ("General assembly", 1),
    ]
    regions = by_label(facets["Counterpart region"])
    assert {label: regions[label][0] for label in regions} == {
        "Europe": 19,
        "Africa": 15,
        "Asia": 9,
        "Latin America and the Caribbean": 5,
    }
    assert facets["Year"] == [("2025", 53, "/en/events/?year=2025", False)]
    # Ten values shown, the rest behind "more".
    countries = facet_elements(response)["Counterpart country"]
    assert len(countries.xpath("./ul/li")) == 10
    more = countries.xpath("./details[@class='facet-more']")[0]
    assert more.xpath("./summary")[0].text_content().strip() == "38 more values"
    assert len(more.xpath("./ul/li")) == 38


def test_following_a_value_gives_its_count_and_shows_it_chosen(client, seeded):
    url = f"{reverse('kb:event-list')}?kind=bilateral_meeting&page=2"
    europe = by_label(facets_of(client.get(url))["Counterpart region"])["Europe"]
    count, href, selected = europe
    assert not selected
    # The current query plus the value, without the page.
    assert href == "/en/events/?kind=bilateral_meeting&counterpart_region=europe"
    response = client.get(href)
    assert result_count(response) == count == 19
    chosen = by_label(facets_of(response)["Counterpart region"])
    # A chosen value is all its facet offers, with a link that removes it.
    assert chosen == {"Europe": (19, "/en/events/?kind=bilateral_meeting", True)}
    assert result_count(client.get(chosen["Europe"][1])) == 52


def test_removing_one_of_several_chosen_values_keeps_the_others(client, seeded):
    url = f"{reverse('kb:event-list')}?counterpart_region=europe,africa"
    chosen = by_label(facets_of(client.get(url))["Counterpart region"])
    assert chosen == {
        "Europe": (19, "/en/events/?counterpart_region=africa", True),
        "Africa": (15, "/en/events/?counterpart_region=europe", True),
    }


def test_french_labels(client, seeded):
    facets = facets_of(client.get("/fr/events/"))
    assert by_label(facets["Type"])["Réunion bilatérale"][0] == 52
    countries = by_label(facets["Pays de l’interlocuteur"])
    assert countries["Norvège"][:2] == (1, "/fr/events/?counterpart_country=NO")
    assert by_label(facets["Année"])["2025"][0] == 53


def test_organisations_list_facets(client, seeded):
    facets = facets_of(client.get(reverse("kb:organisation-list")))
    assert list(facets) == ["Kind", "Country", "Region"]
    assert by_label(facets["Country"])["Morocco"][0] == 3
    assert by_label(facets["Region"])["Europe"][0] == 19


def test_no_facets_while_a_filter_is_invalid(client, seeded):
    response = client.get(f"{reverse('kb:event-list')}?year=soon")
    assert response.status_code == 400
    assert facets_of(response) == {}


def test_lists_without_facet_filters_show_none(client, seeded):
    assert facets_of(client.get(reverse("kb:topic-list"))) == {}


def test_a_write_changes_the_counts(client, seeded):
    url = reverse("kb:event-list")
    assert by_label(facets_of(client.get(url))["Kind"])["General assembly"][0] == 1
    factories.EventFactory(kind="general_assembly")
    assert by_label(facets_of(client.get(url))["Kind"])["General assembly"][0] == 2


# Cold, each list page runs one GROUP BY per facet (a region from its countries: none),
# whatever its rows; warm, none (tests/site/test_page_queries.py pins those counts).
@pytest.mark.parametrize(
    ("model", "make", "warm", "facet_queries"),
    [("event", _events, 4, 6), ("organisation", _organisations, 2, 2)],
)
@pytest.mark.parametrize("rows", [5, 40])
def test_facet_queries_do_not_grow_with_rows(client, db, model, make, warm, facet_queries, rows):
    make(rows)
    url = reverse(f"kb:{model}-list")
    client.get(url)  # warm the caches (content types, translations)
    caches["counts"].clear()
    kept.clear()  # and the page's own copy of its facets, kept under the same version
    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    # The count too was cached under the data version: one more when cold.
    assert len(cold.captured_queries) == warm + 1 + facet_queries, [
        q["sql"] for q in cold.captured_queries
    ]
    with CaptureQueriesContext(connection) as cached:
        response = client.get(url)
    assert len(cached.captured_queries) == warm
    # Every row and its parent, counted by kind.
    assert sum(count for _label, count, *_ in facets_of(response)["Kind"]) == rows + 1


def test_past_joined_max_results_the_page_says_so(client, seeded, monkeypatch):
    from kb.filtering import facets

    monkeypatch.setattr(facets, "JOINED_MAX", 18)
    response = client.get(f"{reverse('kb:event-list')}?counterpart_region=europe")
    shown = facets_of(response)
    assert shown["Counterpart region"] == [("Europe", None, "/en/events/", True)]
    assert shown["Topic"] == []
    assert "Counted when at most 18 results are listed" in response.content.decode()
    assert by_label(shown["Kind"])["Bilateral meeting"][0] == 19

"""Facets in a real browser (Playwright driving the system Chromium): click a value on the
events list, see the filtered results and the value chosen, remove it; the facets sit beside
the results on a desktop and below the filters on a phone, without overflow. Screenshots in
/tmp/entente-shots/ for a person to look at."""

import pytest

from tests.site.browser import PHONE, SHOTS, browser_marks, scrolls_sideways

pytestmark = browser_marks

WORDS = {
    "en": {"region": "Counterpart region", "results": "{} results", "remove": "Remove"},
    "fr": {
        "region": "Région de l’interlocuteur",
        "results": "{} résultats",
        "remove": "Retirer",
    },
}


def screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"facets-{name}.png"), full_page=True)


def facet(page, title):
    return page.locator("nav.facets details.facet").filter(
        has=page.locator("summary", has_text=title)
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_click_a_facet_value(site, page, language):
    words = WORDS[language]
    assert page.goto(f"{site}/{language}/events/").status == 200
    assert page.locator("#results-heading").inner_text() == words["results"].format(53)
    regions = facet(page, words["region"])
    europe = regions.locator("li.facet-value a", has_text="Europe")
    assert europe.locator(".facet-count").inner_text() == "19"
    # Beside the results on a desktop: the facets' left edge is left of the results'.
    facets_box = page.locator("nav.facets").bounding_box()
    results_box = page.locator("section.results").bounding_box()
    assert facets_box["x"] + facets_box["width"] <= results_box["x"]
    screenshot(page, f"events-{language}-1280")

    with page.expect_navigation():
        europe.click()
    assert page.url == f"{site}/{language}/events/?counterpart_region=europe"
    assert page.locator("#results-heading").inner_text() == words["results"].format(19)
    chosen = facet(page, words["region"]).locator("li.facet-value.selected")
    assert chosen.count() == 1
    assert "Europe" in chosen.inner_text()
    # The other facets now count within the chosen region.
    assert facet(page, words["region"]).locator("li.facet-value").count() == 1
    with page.expect_navigation():
        chosen.get_by_role("link", name=words["remove"]).click()
    assert page.url == f"{site}/{language}/events/"
    assert page.locator("#results-heading").inner_text() == words["results"].format(53)

    assert page.goto(f"{site}/{language}/organisations/?region=europe").status == 200
    screenshot(page, f"organisations-{language}-1280")
    assert page.errors_seen == []

    # On a phone the facets come below the filters, above the results, and fit.
    page.set_viewport_size(PHONE)
    for name in ("events", "organisations"):
        assert page.goto(f"{site}/{language}/{name}/").status == 200
        assert not scrolls_sideways(page)
        facets_box = page.locator("nav.facets").bounding_box()
        assert facets_box["width"] <= PHONE["width"]
        assert facets_box["y"] < page.locator("section.results").bounding_box()["y"]
        screenshot(page, f"{name}-{language}-375")
        # The facets alone, for a closer look than the whole page allows.
        page.locator("nav.facets").screenshot(
            path=str(SHOTS / f"facets-{name}-{language}-375-part.png")
        )
    assert page.errors_seen == []

"""The map in a real browser (Playwright driving the system Chromium): it draws the API's
numbers, names countries in the page's language, links them, works by keyboard and at phone
width; screenshots in /tmp/entente-shots/ for a person to look at."""

import re

import pytest
from playwright.sync_api import expect

from tests.site.browser import PHONE, SHOTS, browser_marks, scrolls_sideways

ASSEMBLY = "interpol-general-assembly-93"
BODIES = {
    "en": "United Nations Department of Peace Operations",
    "fr": "Département des opérations de paix des Nations unies",
}

pytestmark = browser_marks


def load(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_selector(".world-map.drawn", timeout=20_000)


def screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def point_inside(page, selector):
    """A point of the page where the element is the one under the pointer (a country's
    bounding box may be mostly sea, or another country)."""
    return page.evaluate(
        """(selector) => {
          const target = document.querySelector(selector);
          target.scrollIntoView({block: "center"});
          const box = target.getBoundingClientRect();
          for (let i = 1; i < 40; i++) {
            for (let j = 1; j < 40; j++) {
              const x = box.left + (box.width * i) / 40, y = box.top + (box.height * j) / 40;
              if (document.elementFromPoint(x, y) === target) return {x, y};
            }
          }
          return null;
        }""",
        selector,
    )


def drawn(page):
    """What the map drew, read from the SVG itself."""
    return page.evaluate(
        """() => ({
          shaded: [...document.querySelectorAll("svg.map path.country.has-data")]
            .map((p) => p.dataset.code),
          hosts: [...document.querySelectorAll("svg.map path.country.host")]
            .map((p) => p.dataset.code),
          hatched: document.querySelectorAll(".map-hosts path").length,
          bahrain: document.querySelector('svg.map path[data-numeric="048"]') !== null,
          noData: document.querySelectorAll("svg.map path.country:not(.has-data)").length,
          legend: [...document.querySelectorAll(".map-legend li")].map((li) => li.textContent),
          bodies: [...document.querySelectorAll(".map-bodies li a")].map((a) => a.textContent),
        })"""
    )


def table_and_api(page, api_url):
    """The page's country table, and the API's rows for the same query, as the browser sees them."""
    return page.evaluate(
        """async (url) => {
          const rows = [...document.querySelectorAll(".data-table tr[data-code]")].map((tr) =>
            [tr.dataset.code, ...[...tr.children].map((cell) => cell.textContent.trim())]);
          const data = await (await fetch(url, {headers: {Accept: "application/json"}})).json();
          const api = data.countries.map((r) => [r.code, r.name, r.region_name,
            String(r.counterpart_events), String(r.hosted_events), String(r.agreements),
            String(r.total)]);
          return {rows, api, data};
        }""",
        api_url,
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_assemblys_map(site, page, language):
    url = f"{site}/{language}/map/?parent={ASSEMBLY}"
    load(page, url)
    api_url = page.locator(".world-map").get_attribute("data-api")
    compared = table_and_api(page, api_url)
    assert compared["rows"] == compared["api"]
    data = compared["data"]
    seen = drawn(page)
    # Shaded: every country with a total; 48 of them met the host as counterparts.
    with_total = {row["code"] for row in data["countries"] if row["total"] > 0}
    assert set(seen["shaded"]) == with_total
    met = [row for row in data["countries"] if row["counterpart_events"] > 0]
    assert len(met) == 48
    assert {row["code"] for row in met} <= set(seen["shaded"])
    assert seen["hosts"] == ["MA"]
    assert seen["hatched"] == 1
    assert seen["bahrain"]
    assert seen["noData"] > 150  # the rest of the world, drawn light grey
    assert seen["legend"][-2:] == (
        ["No data", "Host"] if language == "en" else ["Aucune donnée", "Hôte"]
    )
    assert len(seen["bodies"]) == 4
    assert BODIES[language] in seen["bodies"]
    assert not page.locator(".map-note").is_visible()  # every country with data has a shape
    assert page.errors_seen == []
    screenshot(page, f"map-{language}-1280")

    # Hovering a country without data names it in the page's language too.
    spot = point_inside(page, 'svg.map path[data-numeric="036"]')  # Australia
    page.mouse.move(spot["x"], spot["y"])
    tooltip = page.locator(".map-tooltip")
    assert tooltip.is_visible()
    assert tooltip.inner_text().split("\n")[0] == ("Australia" if language == "en" else "Australie")

    page.set_viewport_size(PHONE)
    load(page, url)
    assert not scrolls_sideways(page)
    box = page.locator("svg.map").bounding_box()
    assert 300 < box["width"] <= 375
    assert page.errors_seen == []
    screenshot(page, f"map-{language}-375")


def test_click_a_country_to_list_its_meetings(site, page):
    load(page, f"{site}/en/map/?parent={ASSEMBLY}")
    norway = 'svg.map path[data-code="NO"]'
    assert page.locator(norway).get_attribute("role") == "link"
    label = page.locator(norway).get_attribute("aria-label")
    assert label.startswith("Norway. Meetings as counterpart: 1.")
    spot = point_inside(page, norway)
    page.mouse.move(spot["x"], spot["y"])
    assert page.locator(".map-tooltip").inner_text().startswith("Norway")
    with page.expect_navigation():
        page.mouse.click(spot["x"], spot["y"])
    assert page.url == f"{site}/en/events/?parent={ASSEMBLY}&counterpart_country=NO"
    assert page.locator("#results-heading").inner_text() == "1 result"
    assert page.get_by_role("link", name="Norwegian National Police").count() >= 1
    assert page.errors_seen == []


def test_the_map_by_keyboard(site, page):
    load(page, f"{site}/fr/map/?parent={ASSEMBLY}")
    # Tab from the filters' last control onwards reaches the countries, each announced.
    page.locator(".scope-filters summary").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('country')"):
            break
    else:
        pytest.fail("Tab never reached a country")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert page.locator(".map-tooltip").is_visible()  # the tooltip shows on focus too
    assert page.locator(".map-highlight .halo").count() == 1  # and the focus is drawn
    page.locator('svg.map path[data-code="NO"]').focus()
    assert page.locator(".map-tooltip").inner_text().startswith("Norvège")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{site}/fr/events/?parent={ASSEMBLY}&counterpart_country=NO"
    assert page.locator("#results-heading").inner_text() == "1 résultat"
    # The zoom buttons work by keyboard too.
    load(page, f"{site}/fr/map/?parent={ASSEMBLY}")
    page.get_by_role("button", name="Zoomer", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".map-layer")).to_have_attribute("transform", re.compile(r"scale\(2\)"))
    assert page.errors_seen == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_home_pages_map(site, page, language):
    load(page, f"{site}/{language}/")
    seen = drawn(page)
    assert len(seen["shaded"]) >= 48
    assert seen["hosts"] == ["MA"]
    assert len(seen["bodies"]) == 4
    assert page.errors_seen == []
    screenshot(page, f"home-{language}-1280")
    page.set_viewport_size(PHONE)
    load(page, f"{site}/{language}/")
    assert not scrolls_sideways(page)
    assert page.errors_seen == []
    screenshot(page, f"home-{language}-375")

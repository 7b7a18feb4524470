"""Record pages in a real browser (Playwright driving the system Chromium), on the seed, in
both languages: the pôle's and Hammouchi's pages fit in a few screens, no quote is shown
twice, "On this page" and the quote links jump where they say, a closed group opens, and
nothing scrolls sideways at phone width. Screenshots in /tmp/entente-shots/details-*.png
for a person to look at."""

import pytest

from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways

pytestmark = browser_marks

POLE = "organisations/pole-dgsn-dgst/"
HAMMOUCHI = "people/abdellatif-hammouchi/"
MEETING = "events/interpol-general-assembly-93-meeting-norwegian-national-police/"
AGREEMENT = "agreements/pole-dgsn-dgst-norwegian-national-police-agreement/"
# Before issue 15 the pôle's page was 10,483 px tall at 1280 px, Hammouchi's 7,215.
MAX_HEIGHT = 4 * DESKTOP["height"]
EVENTS = {"en": "Events", "fr": "Événements"}
EUROPE = {"en": "Europe", "fr": "Europe"}


def load(page, url):
    response = page.goto(url)
    assert response.status == 200, url


def height(page):
    return page.evaluate("document.documentElement.scrollHeight")


def quotes_seen_twice(page):
    """The quotes whose words the page's visible-or-not text holds more than once."""
    return page.evaluate(
        """() => {
          const text = document.body.textContent;
          return [...document.querySelectorAll("blockquote")]
            .map((b) => b.textContent.trim())
            .filter((q) => text.split(q).length - 1 > 1);
        }"""
    )


def screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"details-{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_record_pages_read_as_a_journalist_would(site, page, language):
    base = f"{site}/{language}/"
    for path in (POLE, HAMMOUCHI):
        load(page, base + path)
        assert height(page) < MAX_HEIGHT, (path, height(page))
        assert quotes_seen_twice(page) == [], path

    # "On this page" jumps to the section, which then sits at the top of the window.
    load(page, base + POLE)
    nav = page.locator("nav.on-this-page")
    nav.get_by_role("link", name=EVENTS[language], exact=True).click()
    assert page.evaluate("location.hash") == "#events"
    top = page.evaluate("document.getElementById('events').getBoundingClientRect().top")
    assert 0 <= top < 40

    # The 52 meetings start closed, by region; opening Europe shows its 19.
    europe = page.locator("details.group", has=page.locator("summary", has_text=EUROPE[language]))
    assert europe.count() == 1
    first = europe.locator("li").first
    assert not first.is_visible()
    europe.locator("summary").click()
    assert first.is_visible()
    assert europe.locator(":scope > ul > li").count() == 19

    # A meeting's source link jumps to the quote, shown once at the foot of the page.
    reference = first.locator(".fact-source a").first
    anchor = reference.get_attribute("href")
    reference.click()
    assert page.evaluate("location.hash") == anchor
    quote = page.locator(f"figure{anchor}")
    assert quote.is_visible()
    assert quote.locator("blockquote").get_attribute("lang") == "fr"
    # ... and from there to its place in the source.
    assert quote.locator("figcaption a cite").count() == 1
    assert (
        quote.locator("figcaption a", has=page.locator("cite"))
        .get_attribute("href")
        .endswith(anchor)
    )
    assert page.errors_seen == []

    for path, name in (
        (POLE, "pole"),
        (HAMMOUCHI, "hammouchi"),
        (MEETING, "event"),
        (AGREEMENT, "agreement"),
    ):
        page.set_viewport_size(DESKTOP)
        load(page, base + path)
        screenshot(page, f"{name}-{language}-1280")
        page.set_viewport_size(PHONE)
        load(page, base + path)
        assert not scrolls_sideways(page), path
        screenshot(page, f"{name}-{language}-375")
    assert page.errors_seen == []

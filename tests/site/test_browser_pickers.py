"""The filter pickers in a real browser (Playwright, the system Chromium): a participant
picked by keyboard from its suggestions, as the WAI-ARIA combobox pattern says; a country
filtered by its French name. Screenshots of the open suggestions at 1280 and 375 px in
/tmp/entente-shots/ for a person to look at."""

import re

import pytest
from playwright.sync_api import expect

from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways

pytestmark = browser_marks

NORWAY_POLICE = "norwegian-national-police"
NORWAY_MEETING = "interpol-general-assembly-93-meeting-norwegian-national-police"
SIZES = {1280: DESKTOP, 375: PHONE}
PICKED = {
    "en": ("Norw", "Norwegian National Police", "1 suggestion"),
    "fr": ("norvé", "police nationale norvégienne", "1 suggestion"),
}


def listed(page):
    return [
        re.sub(r"^/\w\w/events/|/$", "", href)
        for href in page.locator("ol.records h3 a").evaluate_all(
            "(links) => links.map((a) => a.getAttribute('href'))"
        )
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pick_a_participant_by_keyboard(site, page, language):
    typed, name, announced = PICKED[language]
    assert page.goto(f"{site}/{language}/events/").status == 200
    box = page.locator("#id_participant")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    expect(listbox).to_have_attribute("role", "listbox")

    box.click()
    box.press_sequentially(typed, delay=30)
    option = listbox.get_by_role("option", name=re.compile(re.escape(name)))
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    status = page.locator(".picker:has(#id_participant) [role=status]")
    expect(status).to_have_text(announced)

    # Escape closes the list and keeps the text; Down opens it again on the first option.
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value(typed)
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    if language == "en":
        for width, size in SIZES.items():
            page.set_viewport_size(size)
            box.scroll_into_view_if_needed()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"pickers-open-{width}.png"))
            assert not scrolls_sideways(page), width
        page.set_viewport_size(DESKTOP)
    box.press("Enter")  # picks
    expect(box).to_have_value(name)
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Enter")  # submits
    page.wait_for_url(re.compile(rf"/{language}/events/\?participant={NORWAY_POLICE}$"))
    assert listed(page) == [NORWAY_MEETING]
    # The page shows the name back, and the list pages' boxes are pickers again.
    expect(page.locator("#id_participant")).to_have_value(name)
    expect(page.locator("#id_participant")).to_have_attribute("role", "combobox")
    assert page.errors_seen == []


@pytest.mark.parametrize(
    ("language", "typed", "heading"),
    [("fr", "Allemagne", "1 résultat"), ("en", "germany", "1 result")],
)
def test_filter_countries_by_name(site, page, language, typed, heading):
    assert page.goto(f"{site}/{language}/organisations/").status == 200
    page.locator("#id_country").fill(typed)
    page.locator(".filters button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/{language}/organisations/\?country=DE$"))
    expect(page.locator("#results-heading")).to_have_text(heading)
    expect(page.locator("ol.records h3 a")).to_have_attribute(
        "href", f"/{language}/organisations/bka/"
    )
    expect(page.locator("#id_country")).to_have_value(
        "Allemagne" if language == "fr" else "Germany"
    )
    assert page.errors_seen == []

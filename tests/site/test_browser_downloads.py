"""The downloads page in a real browser: at phone and desktop width, by keyboard, and the
file it links downloads whole; screenshots in /tmp/entente-shots/ for a person to look at."""

import hashlib

import pytest

from kb.exports.bulk import catalogue
from kb.jobs.downloads import build_now
from tests.downloads import storages_in
from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways

pytestmark = browser_marks


@pytest.fixture
def built(site, settings, tmp_path):
    settings.STORAGES = storages_in(tmp_path / "downloads")
    settings.SITE_URL = site
    build_now()
    return site


def screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_downloads_page_at_each_width(built, page, size, name):
    page.set_viewport_size(size)
    response = page.goto(built + "/en/downloads/")
    assert response.status == 200
    assert page.locator(".bulk-file").count() == len(catalogue.FILES)
    assert not scrolls_sideways(page)
    # The digest wraps within the page rather than widen it.
    digest = page.locator("code.digest").first.bounding_box()
    assert digest["x"] + digest["width"] <= size["width"]
    screenshot(page, f"downloads-{name}")
    page.goto(built + "/fr/downloads/")
    screenshot(page, f"downloads-fr-{name}")
    assert not page.errors_seen


def test_a_file_is_reached_and_downloaded_by_keyboard(built, page):
    page.goto(built + "/en/downloads/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == (
            "/downloads/entente-csv.zip"
        ):
            break
    else:
        pytest.fail("Tab never reached the first download")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    with page.expect_download() as started:
        page.keyboard.press("Enter")
    download = started.value
    assert download.suggested_filename == "entente-csv.zip"
    data = download.path().read_bytes()
    shown = page.locator("code.digest").first.inner_text()
    assert hashlib.sha256(data).hexdigest() == shown

"""Fixtures of the browser tests (tests/site/browser.py has their constants and checks):
Chromium, once per module; the seeded live server; a page that records console errors."""

import pytest

from tests.site.browser import ARGS, CHROMIUM, DESKTOP
from tests.support import restore


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def site(transactional_db, live_server, seed_snapshot):
    # The rows `manage.py seed` wrote, inserted again (tests/support.py): a few
    # milliseconds rather than the command's second or two, and the same rows
    # after each transactional test's flush, which renumbers the content types
    # (restore() matches them by name).
    restore(seed_snapshot)
    return live_server.url


@pytest.fixture
def page(browser):
    """A desktop-sized page that records console errors and uncaught exceptions
    (`page.errors_seen`)."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.errors_seen = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.errors_seen.append(message.text),
    )
    page.on("pageerror", lambda error: page.errors_seen.append(str(error)))
    yield page
    context.close()

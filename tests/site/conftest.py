"""Fixtures of the browser tests (tests/site/browser.py has their constants and checks):
Chromium, once per module; the seeded live server; a page that records console errors."""

import pytest
from django.core.management import call_command

from tests.site.browser import ARGS, CHROMIUM, DESKTOP


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
def site(transactional_db, live_server):
    # The seed command itself, not the snapshot of tests/support.py: each
    # transactional test ends with a flush, which renumbers the content types
    # the snapshot's citations and versions point at.
    call_command("seed", "--if-empty", verbosity=0)
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

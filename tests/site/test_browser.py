"""The site in a real browser (Playwright driving the system Chromium): phone width,
keyboard use, the filter form, the language switch; screenshots for a person to look at."""

import pytest

from tests.site.browser import DESKTOP, PHONE, browser_marks, scrolls_sideways

pytestmark = browser_marks


@pytest.mark.parametrize(
    "path",
    [
        "/en/",
        "/fr/",
        "/en/events/",
        "/en/organisations/pole-dgsn-dgst/",
        "/en/sources/interpol-ga-93-hammouchi-bilaterals/",
        "/fr/quality/",
    ],
)
def test_no_horizontal_scroll_at_phone_width(site, page, path):
    page.set_viewport_size(PHONE)
    page.goto(site + path)
    assert not scrolls_sideways(page)


def test_keyboard_skip_link_then_search(site, page):
    page.goto(site + "/en/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0  # shown on screen once focused
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    else:
        pytest.fail("Tab never reached a search field")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.type("Bénin")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/en/search/?q=B" in page.url
    assert page.get_by_role("link", name="Beninese police", exact=True).count() == 1


def test_filter_form_puts_the_filter_in_the_url(site, page):
    page.goto(site + "/en/events/")
    page.get_by_label("Counterpart region").select_option("europe")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert page.url.endswith("/en/events/?counterpart_region=europe")
    assert page.locator("#results-heading").inner_text() == "19 results"
    # The URL alone gives the same view.
    page.goto(page.url)
    assert page.locator("#results-heading").inner_text() == "19 results"


def test_language_switch_keeps_the_page(site, page):
    page.goto(site + "/en/organisations/bka/")
    with page.expect_navigation():
        page.get_by_role("link", name="Français").click()
    assert page.url == site + "/fr/organisations/bka/"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text().startswith("Office fédéral de police criminelle")


def test_screenshots_of_the_events_list(site, page):
    """For a person to look at (not compared automatically)."""
    page.goto(site + "/en/events/?counterpart_region=europe")
    page.screenshot(path="/tmp/entente-events-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.goto(site + "/en/events/?counterpart_region=europe")
    page.screenshot(path="/tmp/entente-events-phone.png", full_page=False)
    assert not scrolls_sideways(page)


# The Content-Security-Policy, in the browser that enforces it ------------------------

# Recorded from the first script of every document, before the page's own.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__violations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${where}`
  );
});
"""


@pytest.fixture
def watched(browser, live_server):
    """A page that records every CSP violation, console error or warning, and any
    request that leaves the site (a font host, a CDN)."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.problems_seen = []

    def on_console(message):
        if message.type in ("error", "warning"):
            page.problems_seen.append(f"{message.type}: {message.text}")

    def on_request(request):
        if not request.url.startswith((live_server.url, "data:", "blob:")):
            page.problems_seen.append(f"request elsewhere: {request.url}")

    page.on("console", on_console)
    page.on("request", on_request)
    yield page
    context.close()


def problems(page):
    return page.problems_seen + page.evaluate("window.__violations")


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/en/", "h1"),
        ("/en/organisations/pole-dgsn-dgst/", "h1"),
        ("/api/docs/", ".swagger-ui .info .title"),
        ("/api/redoc/", "redoc h1, [role=main] h1, .api-content h1"),
        ("/admin/login/", "#login-form"),
    ],
)
def test_pages_run_under_their_policy_without_a_violation(site, watched, path, rendered):
    response = watched.goto(site + path)
    assert response.status == 200
    assert response.headers["content-security-policy"]
    watched.wait_for_selector(rendered, timeout=20_000)
    watched.wait_for_load_state("networkidle")
    assert problems(watched) == []


def test_the_admin_runs_under_its_policy_without_a_violation(site, watched, django_user_model):
    django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    watched.goto(site + "/admin/login/")
    watched.fill("#id_username", "editor")
    watched.fill("#id_password", "pw")
    with watched.expect_navigation():
        watched.click("input[type=submit]")
    assert watched.url == site + "/admin/"
    for path in (
        "/admin/",
        "/admin/kb/organisation/",
        "/admin/kb/event/add/",  # Select2 widgets, inlines, the date pickers
        "/admin/kb/organisation/import/",
    ):
        response = watched.goto(site + path)
        assert response.status == 200, path
        watched.wait_for_load_state("networkidle")
    assert problems(watched) == []

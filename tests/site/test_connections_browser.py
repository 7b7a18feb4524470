"""The "who met whom" table in a real browser: at phone width only its own box scrolls, at
desktop width nothing does; its rows are the API's; screenshots in /tmp/entente-shots/."""

from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways

pytestmark = browser_marks

BOX = "document.querySelector('.connections-scroll')"
QUERY = "parent=interpol-general-assembly-93"


def test_the_table_scrolls_in_its_box_not_the_page(site, page):
    page.set_viewport_size(PHONE)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("en", "fr"):
        page.goto(f"{site}/{language}/connections/?{QUERY}")
        assert page.locator("table.connections tbody tr").count() == 25
        assert not scrolls_sideways(page)
        page.screenshot(path=str(SHOTS / f"connections-{language}-375.png"))
        width, shown = page.evaluate(f"[{BOX}.scrollWidth, {BOX}.clientWidth]")
        assert width > shown  # wider than the phone: it scrolls, inside its box
        # The box takes keyboard focus, so a keyboard scrolls it too.
        page.focus(".connections-scroll")
        assert page.evaluate("document.activeElement.className") == "connections-scroll"
        page.keyboard.press("ArrowRight")
        for _ in range(50):  # the scroll may be animated: wait for it to move
            if page.evaluate(f"{BOX}.scrollLeft") > 0:
                break
            page.wait_for_timeout(100)
        assert page.evaluate(f"{BOX}.scrollLeft") > 0
    assert page.errors_seen == []


def test_the_table_fits_a_desktop_and_holds_the_apis_rows(site, page):
    page.set_viewport_size(DESKTOP)
    for language in ("en", "fr"):
        page.goto(f"{site}/{language}/connections/?{QUERY}")
        assert not scrolls_sideways(page)
        width, shown = page.evaluate(f"[{BOX}.scrollWidth, {BOX}.clientWidth]")
        assert width <= shown  # at 1280 px the whole table shows
        page.screenshot(path=str(SHOTS / f"connections-{language}-1280.png"))
        api = page.request.get(f"{site}/api/v1/connections/?{QUERY}&lang={language}&page_size=25")
        assert api.ok
        data = api.json()
        assert data["count"] == 54
        events = page.locator("table.connections tbody tr th a").all_inner_texts()
        assert events == [row["event"]["name"] for row in data["results"]]
    assert page.errors_seen == []

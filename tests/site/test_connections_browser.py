"""The "who met whom" table in a real browser: at phone width only its own box scrolls."""

from tests.site.browser import PHONE, browser_marks, scrolls_sideways

pytestmark = browser_marks

BOX = "document.querySelector('.connections-scroll')"


def test_the_table_scrolls_in_its_box_not_the_page(site, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for language in ("en", "fr"):
            page.goto(f"{site}/{language}/connections/?parent=interpol-general-assembly-93")
            assert page.locator("table.connections tbody tr").count() == 25
            assert not scrolls_sideways(page)
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
        assert errors == []
    finally:
        context.close()

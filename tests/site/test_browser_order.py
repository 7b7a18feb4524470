"""In a browser: the organisations list reads by name in the page's language, page after
page, on /en/ and /fr/ (the article's data). Screenshots of the first page at desktop and
phone width in /tmp/entente-shots/, for a person to look at."""

from kb.db import collation
from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways

pytestmark = browser_marks

NAMES = "ol.records li.record h3 a"


def test_the_organisations_list_reads_by_name_in_each_language(site, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("en", "fr"):
        page.set_viewport_size(DESKTOP)
        page.goto(f"{site}/{language}/organisations/")
        names = page.locator(NAMES).all_inner_texts()
        page.screenshot(path=str(SHOTS / f"order-{language}-desktop.png"))
        # Following the pages as a reader does: the order carries on.
        while page.locator("a[rel=next]").count():
            with page.expect_navigation():
                page.locator("a[rel=next]").first.click()
            names += page.locator(NAMES).all_inner_texts()
        assert len(names) == 56
        assert names == sorted(names, key=lambda name: collation.sort_key(language, name))
        if language == "fr":
            assert names[:3] == [
                "Conseil des ministres arabes de l’Intérieur",
                "délégation de l’Argentine",
                "délégation de l’Inde",
            ]
            assert names.index("délégation de l’Argentine") < names.index("délégation de la Chine")
        else:
            assert names[:3] == ["Belarusian police", "Beninese police", "Bulgarian police"]
        page.set_viewport_size(PHONE)
        page.goto(f"{site}/{language}/organisations/")
        assert not scrolls_sideways(page)
        page.locator("ol.records").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"order-{language}-phone.png"))
    assert page.errors_seen == []

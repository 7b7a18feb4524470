"""In a browser, on the seed: a reader opens the article's page in English and in French,
sees its cited passages highlighted (and, in English, Entente's translation under each),
follows a passage's record link to the record's copy of the quote, and from there the
quote's link back to its passage. Screenshots at desktop and phone width in
/tmp/entente-shots/, for a person to look at."""

from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways

pytestmark = browser_marks

ARTICLE = "/sources/interpol-ga-93-hammouchi-bilaterals/"
COMMUNIQUE = "Selon le communiqué de la DGSN, ces rencontres ont été organisées"
UNCITED = "Ces réunions ont également constitué une occasion"


def in_view(page, anchor):
    """Whether the element with id `anchor` is the URL's target and inside the window."""
    return page.evaluate(
        """(id) => {
            const element = document.getElementById(id);
            if (!element || location.hash !== '#' + id) return false;
            const box = element.getBoundingClientRect();
            return box.top >= 0 && box.top < window.innerHeight;
        }""",
        anchor,
    )


def test_reading_the_source_and_jumping_between_passages_and_records(site, page):
    from kb.domain.coverage import quote_anchor
    from kb.models import Citation

    quote = Citation.objects.filter(quote__startswith=COMMUNIQUE).first().quote
    anchor = quote_anchor(quote)
    SHOTS.mkdir(parents=True, exist_ok=True)

    for lang, supports, dgsn in (
        ("en", "Supports:", "General Directorate for National Security (DGSN)"),
        ("fr", "Étaye :", "Direction générale de la Sûreté nationale (DGSN)"),
    ):
        page.set_viewport_size(DESKTOP)
        page.goto(f"{site}/{lang}{ARTICLE}")
        marks = page.locator("mark.passage")
        assert marks.count() == 11
        assert marks.first.is_visible()
        # Highlighted: the mark's background is not the page's.
        background = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
        assert page.get_by_text(UNCITED).count() == 0  # not the public's to read
        translation = page.locator(".passage-notes .translation")
        assert translation.count() == (16 if lang == "en" else 0)

        # The passage's record link lands on the record's copy of the quote.
        passage = page.locator("figure.passage", has=page.locator(f"#{anchor}"))
        assert supports in passage.inner_text()
        with page.expect_navigation():
            passage.get_by_role("link", name=dgsn).click()
        assert page.url.endswith(f"/{lang}/organisations/dgsn/#{anchor}")
        assert in_view(page, anchor)

        # And from the record's quote back to its passage.
        with page.expect_navigation():
            page.locator(f'#{anchor} a[href$="{ARTICLE}#{anchor}"]').click()
        assert page.url.endswith(f"/{lang}{ARTICLE}#{anchor}")
        assert in_view(page, anchor)
        assert page.errors_seen == []

        for size, name in ((DESKTOP, "1280"), (PHONE, "375")):
            page.set_viewport_size(size)
            page.goto(f"{site}/{lang}{ARTICLE}")
            assert not scrolls_sideways(page)
            page.screenshot(path=str(SHOTS / f"sources-{lang}-{name}.png"), full_page=True)

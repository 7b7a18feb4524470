"""In a browser: a reader types the issue's four searches into the site's search box and
reads the top results as they appear, best first: "Turkey" (an everyday country name),
"memorandum" (a kind word), "Hammouchi" (a person, then what he took part in) and "mou"
(the MoUs before the name that merely holds "mou"); and a French demonym on /fr/.
Screenshots of the "Hammouchi" and "mou" pages at desktop and phone width in
/tmp/entente-shots/, for a person to look at."""

from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways

pytestmark = browser_marks

# Records as the page lists them, in reading order: results, a person's posts, what they did.
RESULTS = ".search-results li > a, .search-results .held > a"


def search_from_the_box(page, url, q):
    """Type `q` into the search box in the page's header, submit it, return the result
    links' texts in the order the page shows them."""
    page.goto(url)
    box = page.locator("header").get_by_role("searchbox")
    box.fill(q)
    with page.expect_navigation():
        box.press("Enter")
    return page.locator(RESULTS).all_inner_texts()


def test_the_four_searches_and_a_french_one_show_the_best_results_first(site, page):
    texts = search_from_the_box(page, f"{site}/en/", "Turkey")
    # The delegation, then its meeting (what it took part in).
    assert texts[:2] == [
        "Delegation of Türkiye",
        "Bilateral meeting with the delegation of Türkiye",
    ]
    assert page.get_by_role("heading", name="What Delegation of Türkiye took part in").is_visible()

    texts = search_from_the_box(page, f"{site}/en/", "memorandum")
    assert texts == [
        "Agreement with the Norwegian National Police",
        "Protocol with the Ethiopian Federal Police",
    ]

    texts = search_from_the_box(page, f"{site}/en/", "Hammouchi")
    # The person, his post, then the first of his meetings.
    assert texts[:2] == ["Abdellatif Hammouchi", "Director General of the DGSN-DGST pole"]
    assert texts[2].startswith("Bilateral meeting with ")
    assert page.get_by_role("heading", name="52 events").is_visible()
    assert page.get_by_role("heading", name="2 agreements").is_visible()
    all_meetings = page.get_by_role("link", name="See all 52 events")
    assert all_meetings.get_attribute("href") == "/en/events/?person=abdellatif-hammouchi"

    texts = search_from_the_box(page, f"{site}/en/", "mou")
    # The two MoUs by their kind first; the name and the title that merely hold "mou" after.
    assert texts[:2] == [
        "Agreement with the Norwegian National Police",
        "Protocol with the Ethiopian Federal Police",
    ]
    assert texts[2] == "Abdellatif Hammouchi"
    assert len(texts) == 4  # and the source: nothing is listed twice

    texts = search_from_the_box(page, f"{site}/fr/", "norvégien")
    assert texts[0] == "police nationale norvégienne"
    assert "Accord avec la police nationale norvégienne" in texts
    assert page.get_by_role(
        "heading", name="Ce à quoi police nationale norvégienne a pris part"
    ).is_visible()
    assert page.errors_seen == []

    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        for q in ("Hammouchi", "mou"):
            page.goto(f"{site}/en/search/?q={q}")
            assert not scrolls_sideways(page)
            page.screenshot(path=str(SHOTS / f"search-{q.lower()}-{name}.png"), full_page=True)
    assert page.errors_seen == []

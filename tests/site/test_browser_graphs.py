"""The network and the timeline in a real browser (Playwright driving the system Chromium):
they draw the API's numbers, in English and French, at desktop and phone width, without a
console error; search, zoom, click and keyboard work; screenshots in /tmp/entente-shots/ for
a person to look at."""

import pytest

from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways

SIZES = {1280: DESKTOP, 375: PHONE}
ASSEMBLY = "interpol-general-assembly-93"
POLE = "organisation:pole-dgsn-dgst"
NORWAY = "organisation:norwegian-national-police"
WITHIN = {
    "en": "some day between 24 and 27 November 2025",
    "fr": "un jour entre le 24 et le 27 novembre 2025",
}

pytestmark = browser_marks


def open_view(page, site, path, figure):
    page.goto(site + path)
    page.wait_for_selector(f"#{figure}.is-drawn", timeout=20_000)


def api(page, site, path):
    response = page.request.get(site + path)
    assert response.ok
    return response.json()


def shoot(page, name):
    """The page from its top to the start of its table (the rest is rows of the same look)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    bottom = page.evaluate(
        "document.querySelector('.view-table').getBoundingClientRect().top + window.scrollY"
    )
    width = page.viewport_size["width"]
    clip = {"x": 0, "y": 0, "width": width, "height": bottom + 320}
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, clip=clip)


# The network -------------------------------------------------------------------------


def test_network_draws_the_apis_graph_in_both_languages_and_widths(site, page):
    for lang in ("en", "fr"):
        data = api(page, site, f"/api/v1/graph/?parent={ASSEMBLY}&lang={lang}")
        for width, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            open_view(page, site, f"/{lang}/network/?parent={ASSEMBLY}", "network-figure")
            drawn = page.eval_on_selector_all(
                ".network-node",
                "nodes => nodes.map(n => [n.dataset.id, +n.dataset.degree, "
                "n.querySelector('.node-mark').getBBox().width])",
            )
            assert {i: d for i, d, _w in drawn} == {n["id"]: n["degree"] for n in data["nodes"]}
            # The pôle is the biggest mark (Hammouchi, at every one of its meetings, ties it).
            biggest = max(w for _i, _d, w in drawn)
            assert {i for i, _d, w in drawn if w == biggest} >= {POLE}
            met = page.locator(
                f'.network-edge.kind-meeting[data-source="{POLE}"], '
                f'.network-edge.kind-meeting[data-target="{POLE}"]'
            )
            assert met.count() == 52
            assert page.locator(".network-edge.kind-agreement").count() == 2
            assert page.locator(".network-edge").count() == len(data["edges"])
            # The table under the picture shows the same degrees.
            table = page.eval_on_selector_all(
                ".network-nodes-table tbody tr",
                "rows => rows.map(r => [r.dataset.id, +r.cells[4].textContent])",
            )
            assert dict(table) == {i: d for i, d, _w in drawn}
            assert not scrolls_sideways(page), (lang, width)
            shoot(page, f"network-{lang}-{width}")
    assert page.errors_seen == []


def test_network_edges_say_their_kind_and_count(site, page):
    open_view(page, site, f"/en/network/?parent={ASSEMBLY}", "network-figure")
    title = page.locator(
        f'.network-edge.kind-agreement[data-target="{NORWAY}"] title, '
        f'.network-edge.kind-agreement[data-source="{NORWAY}"] title'
    )
    assert title.text_content() in (
        "DGSN-DGST pole – Norwegian National Police: 1 agreement",
        "Norwegian National Police – DGSN-DGST pole: 1 agreement",
    )


@pytest.mark.parametrize(("lang", "search"), [("en", "Norway"), ("fr", "norvég")])
def test_network_search_highlights_and_centres_the_node(site, page, lang, search):
    open_view(page, site, f"/{lang}/network/?parent={ASSEMBLY}", "network-figure")
    node = page.locator(f'.network-node[data-id="{NORWAY}"]')
    page.get_by_label(
        "Find an organisation, a person or a country in the picture"
        if lang == "en"
        else "Trouver une organisation, une personne ou un pays dans l’image"
    ).fill(search)
    assert page.locator(".network-node.is-match").count() == 1
    assert "is-match" in node.get_attribute("class")
    assert (
        page.locator(".network-node.is-dimmed").count() == page.locator(".network-node").count() - 1
    )
    assert page.locator("#network-status").inner_text().startswith("1 ")
    # Centred: the node's middle is the picture's.
    svg = page.locator("#network-figure svg").bounding_box()
    mark = node.locator(".node-mark").bounding_box()
    assert abs(mark["x"] + mark["width"] / 2 - (svg["x"] + svg["width"] / 2)) < 3
    assert abs(mark["y"] + mark["height"] / 2 - (svg["y"] + svg["height"] / 2)) < 3
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#network-figure").screenshot(path=str(SHOTS / f"network-{lang}-search.png"))
    assert page.errors_seen == []


def test_network_nodes_open_their_page_by_click_and_by_keyboard(site, page):
    open_view(page, site, f"/en/network/?parent={ASSEMBLY}", "network-figure")
    before = page.locator(".network-world").get_attribute("transform")
    page.get_by_role("button", name="Zoom in").click()
    assert page.locator(".network-world").get_attribute("transform") != before
    page.get_by_role("button", name="Whole network").click()
    assert page.locator(".network-world").get_attribute("transform") == before

    node = page.locator(f'.network-node[data-id="{NORWAY}"]')
    assert node.get_attribute("role") == "link"
    assert node.get_attribute("aria-label").startswith("Norwegian National Police (Norway, Europe)")
    node.focus()
    assert page.locator(".view-tooltip").is_visible()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site + "/en/organisations/norwegian-national-police/"

    open_view(page, site, f"/en/network/?parent={ASSEMBLY}", "network-figure")
    with page.expect_navigation():
        page.locator(f'.network-node[data-id="{POLE}"] .node-mark').click()
    assert page.url == site + "/en/organisations/pole-dgsn-dgst/"
    assert page.errors_seen == []


# The timeline -----------------------------------------------------------------------


def test_timeline_draws_the_apis_items_in_both_languages_and_widths(site, page):
    for lang in ("en", "fr"):
        data = api(page, site, f"/api/v1/timeline/?parent={ASSEMBLY}&lang={lang}")
        for width, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            open_view(page, site, f"/{lang}/timeline/?parent={ASSEMBLY}", "timeline-figure")
            items = page.eval_on_selector_all(
                ".timeline-item",
                "items => items.map(i => [i.dataset.type, i.dataset.slug, "
                "i.classList.contains('precision-within'), i.getAttribute('aria-label')])",
            )
            assert len({slug for kind, slug, _w, _l in items if kind == "event"}) == 52
            assert len({slug for kind, slug, _w, _l in items if kind == "agreement"}) == 2
            assert len(items) == len(data["items"])
            assert all(within for _k, _s, within, _l in items)
            assert all(WITHIN[lang] in label for _k, _s, _w, label in items)
            lanes = page.eval_on_selector_all(
                ".timeline-lane", "lanes => lanes.map(l => l.dataset.group)"
            )
            assert lanes == [g["slug"] for g in data["groups"]]
            assert sorted(lanes) == sorted(
                ["africa", "asia", "europe", "latin-america-caribbean", "international"]
            )
            # The lanes' counts are the table's.
            table = page.eval_on_selector_all(
                ".timeline-groups-table tbody tr",
                "rows => rows.map(r => [r.dataset.group, +r.cells[1].textContent])",
            )
            assert table == [[g["slug"], g["count"]] for g in data["groups"]]
            assert not scrolls_sideways(page), (lang, width)
            shoot(page, f"timeline-{lang}-{width}")
    assert page.errors_seen == []


def test_timeline_zooms_and_opens_items(site, page):
    open_view(page, site, f"/en/timeline/?parent={ASSEMBLY}", "timeline-figure")
    ticks = ".axis-top .tick text"

    def axis():
        return page.eval_on_selector_all(ticks, "ts => ts.map(t => t.textContent)")

    days = axis()
    assert "25 Nov." in days  # a day of the assembly, in the page's words
    page.get_by_role("button", name="Zoom out").click()
    for _ in range(7):
        page.get_by_role("button", name="Zoom out").click()
    zoomed_out = axis()
    assert zoomed_out != days
    page.get_by_role("button", name="Whole period").click()
    assert axis() == days
    for _ in range(3):
        page.get_by_role("button", name="Zoom in").click()
    assert any(":" in tick for tick in axis())  # hours, within a day
    page.get_by_role("button", name="Whole period").click()

    bar = page.locator(".timeline-item[data-type=agreement]").first
    slug = bar.get_attribute("data-slug")
    bar.focus()
    assert page.locator(".view-tooltip").inner_text().count(WITHIN["en"]) == 1
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{site}/en/agreements/{slug}/"

    open_view(page, site, f"/en/timeline/?parent={ASSEMBLY}&group=kind", "timeline-figure")
    lanes = page.eval_on_selector_all(".timeline-lane", "lanes => lanes.map(l => l.dataset.group)")
    assert lanes == ["bilateral_meeting", "mou"]
    event = page.locator(".timeline-item[data-type=event]").first
    slug = event.get_attribute("data-slug")
    with page.expect_navigation():
        event.locator(".item-mark").click()
    assert page.url == f"{site}/en/events/{slug}/"
    assert page.errors_seen == []

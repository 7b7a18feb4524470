"""Entering a fact from the source's text in Chromium: select a passage with the mouse,
cite it for an existing organisation; the citation's quote is the stored passage."""

from playwright.sync_api import expect

from kb.models import Citation, Organisation, Source
from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways
from tests.site.conftest import browser, page, site  # noqa: F401  (the browser fixtures)

pytestmark = browser_marks

# On one line of the article, uncited, with a typographic apostrophe.
PASSAGE = "À la tête d’une importante délégation sécuritaire"

# The screen points of a phrase's first and last characters in the text block.
POINTS = """(phrase) => {
  const block = document.getElementById("kb-entry-text");
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phrase);
    if (at < 0) continue;
    node.parentNode.scrollIntoView({block: "center"});
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    const first = range.getBoundingClientRect();
    range.setStart(node, at + phrase.length - 1);
    range.setEnd(node, at + phrase.length);
    const last = range.getBoundingClientRect();
    const middle = (rect) => rect.top + rect.height / 2;
    return [first.left + 1, middle(first), last.right - 1, middle(last)];
  }
  return null;
}"""


def log_in(tab, address):
    tab.goto(address + "/admin/login/")
    tab.fill("#id_username", "editor")
    tab.fill("#id_password", "pw")
    with tab.expect_navigation():
        tab.click("input[type=submit]")


def select_with_mouse(tab, phrase):
    x1, y1, x2, y2 = tab.evaluate(POINTS, phrase)
    tab.mouse.move(x1, y1)
    tab.mouse.down()
    tab.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=5)
    tab.mouse.move(x2, y2, steps=5)
    tab.mouse.up()


def test_select_a_passage_and_cite_it(site, page, django_user_model):  # noqa: F811
    django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    source = Source.objects.get()
    pole = Organisation.objects.get(slug="pole-dgsn-dgst")
    log_in(page, site)

    page.goto(f"{site}/admin/kb/source/{source.pk}/change/")
    with page.expect_navigation():
        page.get_by_role("link", name="Enter facts from the text").click()
    select_with_mouse(page, PASSAGE)
    # The page's script fills the offsets and shows the selection.
    expect(page.locator("input[name=end]")).not_to_have_value("")
    assert page.locator("#kb-entry-quote").inner_text() == PASSAGE
    start = int(page.locator("input[name=start]").input_value())
    end = int(page.locator("input[name=end]").input_value())
    assert source.text[start:end] == PASSAGE

    page.check("input[name=action][value=cite]")
    page.select_option("select[name=cite-record_type]", "organisation")
    # The admin's Select2 picker, searching organisations through the entry page.
    page.click("#kb-entry-cite .select2-selection")
    page.keyboard.type("DGSN-DGST")
    page.locator(".select2-results__option", has_text="DGSN-DGST").first.click()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "entry-selected-desktop.png"), full_page=True)
    with page.expect_navigation():
        page.click("input[name=_preview]")

    # The quote comes back from the server, for confirmation, as the text has it.
    assert page.locator("#kb-entry-confirmed").inner_text() == PASSAGE
    assert not Citation.objects.filter(quote=PASSAGE).exists()
    page.screenshot(path=str(SHOTS / "entry-confirm-desktop.png"), full_page=True)
    with page.expect_navigation():
        page.click("input[name=_save]")

    citation = Citation.objects.get(quote=PASSAGE)
    assert citation.quote == source.text[start:end]
    assert (citation.record, citation.source) == (pole, source)
    assert page.locator(".messagelist .success").inner_text().startswith(f"“{PASSAGE}”")
    # The passage is now highlighted as cited.
    assert PASSAGE in page.locator("#kb-entry-text mark").all_inner_texts()
    assert not scrolls_sideways(page)
    page.screenshot(path=str(SHOTS / "entry-saved-desktop.png"))
    page.set_viewport_size(PHONE)
    assert not scrolls_sideways(page)
    page.screenshot(path=str(SHOTS / "entry-saved-phone.png"))
    assert page.errors_seen == []


def test_the_page_fits_and_opens_on_a_stretch(site, page, django_user_model):  # noqa: F811
    django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    source = Source.objects.get()
    start = source.text.index(PASSAGE)
    log_in(page, site)
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.goto(
            f"{site}/admin/kb/source/{source.pk}/entry/?start={start}&end={start + len(PASSAGE)}"
        )
        # The passage asked for is selected, and shown.
        assert page.evaluate("window.getSelection().toString()") == PASSAGE
        assert page.locator("#kb-entry-quote").inner_text() == PASSAGE
        assert not scrolls_sideways(page)
        page.screenshot(path=str(SHOTS / f"entry-page-{name}.png"))
        page.screenshot(path=str(SHOTS / f"entry-page-{name}-full.png"), full_page=True)
        # Only the chosen action's fields show: an event's, with its participants.
        page.check("input[name=action][value=event]")
        assert page.locator("#kb-entry-event").is_visible()
        assert not page.locator("#kb-entry-cite").is_visible()
        assert not scrolls_sideways(page)
        page.locator("#kb-entry-event").screenshot(path=str(SHOTS / f"entry-event-{name}.png"))
    # The source's page links each stretch not cited yet here.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{site}/admin/kb/source/{source.pk}/change/")
    page.locator(".kb-uncited-label").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "entry-source-page-desktop.png"))
    with page.expect_navigation():
        page.locator(".kb-uncited-label").first.click()
    assert page.locator("#kb-entry-quote").inner_text() == source.text[: source.text.index("\n")]
    assert page.errors_seen == []


def test_the_page_in_french(site, browser, django_user_model):  # noqa: F811
    django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    source = Source.objects.get()
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    tab = context.new_page()
    try:
        log_in(tab, site)
        tab.goto(f"{site}/admin/kb/source/{source.pk}/entry/")
        assert tab.locator("h1").inner_text() == "Saisir des faits depuis le texte"
        assert tab.locator("#kb-entry-quote").inner_text() == "Rien n’est encore sélectionné."
        assert not scrolls_sideways(tab)
        tab.screenshot(path=str(SHOTS / "entry-page-phone-fr.png"))
    finally:
        context.close()


def test_a_passage_selected_with_the_keyboard(site, page, django_user_model):  # noqa: F811
    django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    source = Source.objects.get()
    log_in(page, site)
    page.goto(f"{site}/admin/kb/source/{source.pk}/entry/")
    x1, y1, _x2, _y2 = page.evaluate(POINTS, PASSAGE)
    page.mouse.click(x1 - 1, y1)  # the caret before the passage's first letter
    for _ in range(len("À la tête")):
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#kb-entry-quote")).to_have_text("À la tête")
    start = int(page.locator("input[name=start]").input_value())
    end = int(page.locator("input[name=end]").input_value())
    assert source.text[start:end] == "À la tête"
    # With the keyboard alone: Tab to the text, then Shift and the arrows from its start.
    page.reload()
    page.focus("#kb-entry-text")
    page.keyboard.press("Shift+Control+ArrowRight")
    expect(page.locator("#kb-entry-quote")).to_have_text("Assemblée")
    assert page.locator("input[name=start]").input_value() == "0"
    assert page.errors_seen == []

"""In a browser: an editor adds an organisation's Wikidata QID on its change form, sees a
malformed one refused beside its field, and the public page then links it. Screenshots of
both at desktop and phone width in /tmp/entente-shots/, for a person to look at."""

from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways

pytestmark = browser_marks

ADD_ROW = "#kb-identifier-content_type-object_id-group .add-row a"
ROW = "#kb-identifier-content_type-object_id-0"
FIELD = "#id_kb-identifier-content_type-object_id-0"


def test_an_editor_adds_an_identifier_and_the_public_page_links_it(site, page, django_user_model):
    from kb.models import Organisation

    django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    interpol = Organisation.objects.get(slug="interpol")
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pw")
    with page.expect_navigation():
        page.click("input[type=submit]")

    page.goto(f"{site}/admin/kb/organisation/{interpol.pk}/change/")
    page.click(ADD_ROW)
    page.select_option(f"{FIELD}-scheme", "wikidata")
    page.fill(f"{FIELD}-value", "7747")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    # Refused beside the value, with nothing saved.
    error = page.locator(f"{ROW} td.field-value .errorlist")
    assert error.inner_text() == "“7747” is not a Wikidata identifier (for example Q7747)."
    assert not interpol.identifiers.exists()

    page.fill(f"{FIELD}-value", "Q7747")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert list(interpol.identifiers.values_list("scheme", "value")) == [("wikidata", "Q7747")]

    page.goto(f"{site}/en/organisations/interpol/")
    link = page.get_by_role("link", name="Wikidata: Q7747")
    assert link.get_attribute("href") == "https://www.wikidata.org/wiki/Q7747"
    assert page.errors_seen == []

    # Both pages at both widths: the public page never scrolls sideways.
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.goto(f"{site}/en/organisations/interpol/")
        assert not scrolls_sideways(page)
        page.get_by_role("link", name="Wikidata: Q7747").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"identifiers-page-{name}.png"))
        page.goto(f"{site}/admin/kb/organisation/{interpol.pk}/change/")
        page.locator(ROW).scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"identifiers-admin-{name}.png"))
    assert page.errors_seen == []

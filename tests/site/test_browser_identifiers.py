"""In a browser: an editor adds an organisation's Wikidata QID on its change form, sees a
malformed one refused beside its field, and the public page then links it."""

from tests.site.browser import browser_marks

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

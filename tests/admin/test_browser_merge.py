"""Merging two organisations in Chromium: select them, choose "Merge selected", read the
preview at 1,280 and 375 px (no sideways scroll at 1,280), merge."""

from kb.models import Citation, Organisation, Participation, SlugRedirect, Source
from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways
from tests.site.conftest import browser, page, site  # noqa: F401  (the browser fixtures)

pytestmark = browser_marks


def duplicate_of_the_italian_police():
    """A second "Italian police", entered by someone else, in the same meeting."""
    italy = Organisation.objects.get(slug="police-it")
    event = italy.participations.get().event
    dup = Organisation.objects.create(
        slug="polizia-di-stato",
        name_en="Polizia di Stato",
        name_fr="Police d’État italienne",
        acronym="PS",
        kind=Organisation.Kind.POLICE,
        country="IT",
        website="https://www.poliziadistato.it",
        status="published",
    )
    row = Participation.objects.create(event=event, organisation=dup, role="counterpart")
    Citation.objects.create(
        record=row, source=Source.objects.get(), quote="« la police italienne »"
    )
    return italy, dup


def test_merge_two_organisations_from_the_changelist(site, page, django_user_model):  # noqa: F811
    django_user_model.objects.create_superuser("reviewer", "reviewer@example.org", "pw")
    italy, dup = duplicate_of_the_italian_police()
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "reviewer")
    page.fill("#id_password", "pw")
    with page.expect_navigation():
        page.click("input[type=submit]")

    page.goto(f"{site}/admin/kb/organisation/?q=ital")
    for record in (italy, dup):
        page.check(f"input[name=_selected_action][value='{record.pk}']")
    page.select_option("select[name=action]", "merge_selected")
    with page.expect_navigation():
        page.click("button[name=index]")
    assert "/admin/kb/organisation/merge/" in page.url
    assert page.locator("input[name=kept]:checked").get_attribute("value") == str(italy.pk)
    assert page.locator(".merge-conflicts li").count() == 1
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "merge-preview-1280.png"), full_page=True)
    assert not scrolls_sideways(page)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / "merge-preview-375.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    page.check(f"input[name=value_website][value='{dup.pk}']")
    with page.expect_navigation():
        page.click(".merge input[type=submit]")
    assert page.url.endswith(f"/admin/kb/organisation/{italy.pk}/change/")
    assert "Merged “Polizia di Stato (PS)” into" in page.content()
    page.screenshot(path=str(SHOTS / "merge-done-1280.png"))
    assert not Organisation.objects.filter(pk=dup.pk).exists()
    assert SlugRedirect.objects.target(Organisation, "polizia-di-stato") == italy
    assert page.errors_seen == []

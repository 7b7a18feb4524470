"""The "Possible duplicates" page in Chromium: found on the admin index, read at 1,280 and
375 px (no sideways scroll, no console error under the CSP), a pair marked "Not
duplicates", another merged through "Merge…"."""

from kb.jobs.duplicates import run_now
from kb.models import DuplicateCandidate, Organisation, Person
from tests.site.browser import DESKTOP, PHONE, SHOTS, browser_marks, scrolls_sideways
from tests.site.conftest import browser, page, site  # noqa: F401  (the browser fixtures)

pytestmark = browser_marks


def test_review_the_possible_duplicates(site, page, django_user_model):  # noqa: F811
    django_user_model.objects.create_superuser("reviewer", "reviewer@example.org", "pw")
    # The article's data has no duplicate: two are entered, one by name, one by alias.
    norway = Organisation.objects.get(slug="norwegian-national-police")
    typo = Organisation.objects.create(
        slug="police-no-2",
        name_en="Police nationale norvegiene",
        kind=Organisation.Kind.POLICE,
        country="NO",
    )
    italy = Organisation.objects.get(slug="police-it")
    polizia = Organisation.objects.create(
        slug="polizia-di-stato",
        name_en="Polizia di Stato",
        kind=Organisation.Kind.POLICE,
        country="IT",
        aliases=["Italian police"],
    )
    hammouchi = Person.objects.get()
    Person.objects.create(slug="hamouchi", name="Abdelatif Hamouchi", country="MA")
    run_now()  # as `manage.py duplicates` does
    assert DuplicateCandidate.objects.count() == 3

    page.goto(site + "/admin/login/")
    page.fill("#id_username", "reviewer")
    page.fill("#id_password", "pw")
    with page.expect_navigation():
        page.click("input[type=submit]")
    with page.expect_navigation():
        page.click("text=Possible duplicates")
    rows = page.locator(".kb-dups-table tbody tr:not(.kb-dups-group)")
    assert rows.count() == 3
    assert "3 pairs from" in page.inner_text(".kb-dups-run")
    SHOTS.mkdir(exist_ok=True)
    for size, name in ((DESKTOP, "1280"), (PHONE, "375")):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"dups-{name}.png"), full_page=True)
        assert not scrolls_sideways(page), name
    page.set_viewport_size(DESKTOP)

    row = rows.filter(has_text=hammouchi.name)
    assert "similar names" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("button", name="Not duplicates").click()
    assert "are marked as not duplicates" in page.content()
    assert rows.count() == 2

    row = rows.filter(has_text="Polizia di Stato")
    assert "shared name or alias “Italian police”" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name="Merge…").click()
    assert "/admin/kb/organisation/merge/" in page.url
    with page.expect_navigation():
        page.click(".merge input[type=submit]")
    assert not Organisation.objects.filter(pk=polizia.pk).exists()
    assert Organisation.objects.filter(pk=italy.pk).exists()

    page.goto(site + "/admin/kb/duplicatecandidate/")
    assert rows.count() == 1  # the merged pair is gone, the marked one stays hidden
    assert norway.name_en in rows.inner_text() and typo.name_en in rows.inner_text()
    assert page.errors_seen == []

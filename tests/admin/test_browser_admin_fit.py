"""Every admin page fits the window (issue 17), measured in Chromium on the seed.

One browser, one logged-in page, a loop over every registered model's changelist
and a record's change form (plus the index, a history, a comparison, the import
page and a checked file's job page with its preview):
- at 1,280 px neither the page nor a results table scrolls sideways;
- at 375 px the page does not (a results table may, inside its own box).
Screenshots of each at both widths in /tmp/entente-shots/admin-*.png, for a person
to look at.
"""

import reversion
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from reversion.models import Version

from kb import models, registry
from kb.jobs.start import start_import
from tests.site.browser import DESKTOP, EVERY_SHOT, PHONE, SHOTS, browser_marks
from tests.site.conftest import browser, page, site  # noqa: F401  (the browser fixtures)
from tests.support import run_queued_jobs

pytestmark = browser_marks

# The page's width beyond the window's, and a results table's beyond its box.
WIDTHS = """() => {
  const table = document.getElementById("result_list");
  return {
    page: document.scrollingElement.scrollWidth - window.innerWidth,
    table: table
      ? Math.ceil(table.getBoundingClientRect().width) - table.parentElement.clientWidth
      : 0,
  };
}"""


def admin_url(obj, view):
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])
    except NoReverseMatch:
        return None


def checked_file(user):
    """A checked events file (a job done, nothing written): its page shows the preview."""
    topics = ",".join(models.Topic.objects.values_list("slug", flat=True)[:2])
    data = (
        "slug,name_en,kind,start_date,end_date,date_precision,topics\n"
        f'new-meeting,A new meeting,bilateral_meeting,2025-11-24,2025-11-27,within,"{topics}"\n'
    )
    job = start_import(
        user=user,
        entry=registry.of(models.Event),
        file_format="csv",
        file_name="events.csv",
        data=data.encode(),
        dry_run=True,
    )
    run_queued_jobs()
    return job


def admin_pages(user):
    """[(name, path)]: the index, every changelist and a change form of each model
    with a record, then an event's history and comparison, the import page, and the
    job page of a checked file."""
    job = checked_file(user)
    pages = [("index", reverse("admin:index"))]
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        opts = model._meta
        name = f"{opts.app_label}-{opts.model_name}"
        pages.append((name, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None and (url := admin_url(obj, "change")):
            pages.append((f"{name}-change", url))
    meeting = models.Event.objects.filter(parent__isnull=False).order_by("pk").first()
    assert meeting.participations.exists()  # shown on its form, with their quote links
    with reversion.create_revision():
        meeting.city = "Marrakesh"
        meeting.save()
        reversion.set_comment("Renamed the city")
    versions = Version.objects.get_for_object(meeting).order_by("pk")
    compare = reverse("admin:kb_event_compare", args=[meeting.pk])
    pages += [
        ("kb-event-meeting-change", admin_url(meeting, "change")),
        ("kb-event-history", admin_url(meeting, "history")),
        ("kb-event-compare", f"{compare}?a={versions[0].pk}&b={versions[1].pk}"),
        ("kb-event-import", reverse("admin:kb_event_import")),
        ("kb-job-preview", reverse("admin:kb_job_change", args=[job.pk])),
    ]
    return pages


def log_in(tab, base, user):
    tab.goto(base + reverse("admin:login"))
    tab.fill("#id_username", user.username)
    tab.fill("#id_password", "pw")
    with tab.expect_navigation():
        tab.click("input[type=submit]")


def test_every_admin_page_fits_1280_and_375_px(site, page, django_user_model):  # noqa: F811
    user = django_user_model.objects.create_superuser("fit", "fit@example.org", "pw")
    pages = admin_pages(user)
    log_in(page, site, user)
    SHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for size, label in ((DESKTOP, "1280"), (PHONE, "375")):
        page.set_viewport_size(size)
        for name, path in pages:
            response = page.goto(site + path)
            assert response.status == 200, path
            over = page.evaluate(WIDTHS)
            if over["page"] > 0 or (label == "1280" and over["table"] > 0):
                too_wide.append((label, path, over))
            if EVERY_SHOT:  # eighty full pages: half the test's time, so on request
                page.screenshot(path=str(SHOTS / f"admin-{name}-{label}.png"), full_page=True)
    assert too_wide == [], too_wide

    # The header is Entente's; history lists the newest version first; the quotes of
    # each participation are one link away.
    page.set_viewport_size(DESKTOP)
    page.goto(site + reverse("admin:index"))
    assert page.locator("#site-name").inner_text() == "Entente — editorial site"
    meeting = models.Event.objects.filter(parent__isnull=False).order_by("pk").first()
    page.goto(site + admin_url(meeting, "history"))
    actions = page.locator("#change-history tbody tr td:last-child").all_inner_texts()
    assert actions == ["Renamed the city", "Loaded from fixtures/interpol-ga-93.json"]
    page.goto(site + admin_url(meeting, "change"))
    links = page.locator("a.kb-quotes-link")
    assert links.count() == meeting.participations.count()
    with page.expect_navigation():
        links.first.click()
    assert page.locator("#kb-citation-content_type-object_id-group").is_visible()

    # In French, whose words are longer, the events' list and form still fit.
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": site}])
    for path in (reverse("admin:kb_event_changelist"), admin_url(meeting, "change")):
        page.goto(site + path)
        assert page.evaluate(WIDTHS) == {"page": 0, "table": 0}, path
    assert page.locator("#site-name").inner_text() == "Entente — site éditorial"
    page.screenshot(path=str(SHOTS / "admin-kb-event-change-fr-1280.png"), full_page=True)

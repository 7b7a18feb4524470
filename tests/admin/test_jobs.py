"""The job pages of the admin: who sees which job, the progress JSON, cancel,
the import after a clean check, the download of an export, and what a bad
request gets. The jobs run in this process (tests/support.py); tests/jobs/
runs them in real worker processes."""

import io

import pytest
from django.contrib.auth.models import Group
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kb import models, registry
from kb.jobs.start import start_export, start_import
from kb.models import Job, WorkerHeartbeat
from tests.support import _url, admin_import, run_queued_jobs

pytestmark = pytest.mark.django_db

CSV = "slug,name_en,kind\ndgsn,DGSN,police\n"


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("ed", "ed@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="editor"))
    return user


def queue(user, dry_run=True, data=CSV):
    return start_import(
        user=user,
        entry=registry.of(models.Organisation),
        file_format="csv",
        file_name="o.csv",
        data=data.encode(),
        dry_run=dry_run,
    )


def page(job, name="change"):
    return reverse(f"admin:kb_job_{name}", args=(job.pk,))


def test_an_upload_queues_a_job_and_sends_the_editor_to_its_page(client, editor):
    client.force_login(editor)
    upload = io.BytesIO(CSV.encode())
    upload.name = "o.csv"
    response = client.post(
        _url(models.Organisation, "import"),
        {"format": "0", "import_file": upload, "check_first": "on"},
    )
    [job] = Job.objects.all()
    assert response.status_code == 302
    assert response["Location"] == page(job)
    assert (job.state, job.dry_run, job.username, job.file_name) == ("queued", True, "ed", "o.csv")
    waiting = client.get(page(job))
    assert 'class="kb-job"' in waiting.text and "job.js" in waiting.text
    assert "Cancel" in waiting.text
    assert "No task worker is running" in waiting.text  # no heartbeat here
    WorkerHeartbeat.objects.create(
        worker_id="w",
        hostname="h",
        pid=1,
        backend="database",
        started_at=timezone.now(),
        seen_at=timezone.now(),
    )
    assert "No task worker is running" not in client.get(page(job)).text
    assert not models.Organisation.objects.exists()


def test_progress_is_json_and_never_cached(client, editor):
    job = queue(editor)
    client.force_login(editor)
    response = client.get(page(job, "progress"))
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "state": "queued",
        "state_label": "Queued",
        "total": None,
        "validated": 0,
        "written": 0,
        "to_write": None,
        "cancel_requested": False,
        "finished": False,
    }
    run_queued_jobs()
    done = client.get(page(job, "progress")).json()
    assert (done["state"], done["finished"], done["total"], done["validated"]) == (
        "done",
        True,
        1,
        1,
    )


def test_an_editor_sees_only_their_own_jobs(client, editor, boss):
    theirs, mine = queue(boss), queue(editor)
    client.force_login(editor)
    for name in ("change", "progress", "download"):
        assert client.get(page(theirs, name)).status_code == 404
    assert client.post(page(theirs, "cancel")).status_code == 404
    assert client.get(page(mine)).status_code == 200
    listed = client.get(reverse("admin:kb_job_changelist"))
    assert [j.pk for j in listed.context["cl"].result_list] == [mine.pk]
    client.force_login(boss)  # a superuser sees every job
    listed = client.get(reverse("admin:kb_job_changelist"))
    assert {j.pk for j in listed.context["cl"].result_list} == {mine.pk, theirs.pk}


def test_a_job_that_does_not_exist_is_a_404(client, editor):
    client.force_login(editor)
    assert client.get("/admin/kb/job/999999/change/").status_code == 404
    assert client.get("/admin/kb/job/999999/progress/").status_code == 404
    assert client.get("/admin/kb/job/999999/download/").status_code == 404
    assert client.get("/admin/kb/job/not-a-number/change/").status_code == 404


def test_cancel_needs_a_post_and_stops_a_queued_job_at_once(client, editor):
    job = queue(editor, dry_run=False)
    client.force_login(editor)
    assert client.get(page(job, "cancel")).status_code == 405
    client.post(page(job, "cancel"))
    job.refresh_from_db()
    assert (job.state, job.cancel_requested) == ("cancelled", True)
    assert run_queued_jobs() == []  # nothing left to run
    assert not models.Organisation.objects.exists()
    assert "Cancelled: nothing was written." in client.get(page(job)).text


def test_a_clean_check_is_imported_for_real_from_its_page(client, editor):
    client.force_login(editor)
    checked = admin_import(client, models.Organisation, CSV, check_first=True)
    assert "The file is valid: nothing was written yet." in checked.text
    assert "1 new, 0 updated, 0 unchanged." in checked.text
    assert not models.Organisation.objects.exists()
    job = checked.context["job"]
    assert client.get(page(job, "import")).status_code == 405
    queued = client.post(page(job, "import"))
    [imported] = run_queued_jobs()
    assert queued["Location"] == page(imported)
    assert (imported.state, imported.dry_run) == ("done", False)
    assert models.Organisation.objects.get().name_en == "DGSN"
    # A job that was not a clean check cannot be imported again.
    client.post(page(imported, "import"))
    assert run_queued_jobs() == []


def test_an_invalid_file_lists_its_errors_and_offers_no_import(client, editor):
    client.force_login(editor)
    bad = "slug,name_en,kind\ndgsn,DGSN,spies\n"
    response = admin_import(client, models.Organisation, bad, check_first=True)
    assert response.context["job"].state == "failed"
    assert "Some rows are invalid: nothing was imported" in response.text
    assert "Import this file" not in response.text
    assert "spies" in response.text


def test_a_file_that_is_not_in_its_format_is_refused_whole(client, editor):
    client.force_login(editor)
    response = admin_import(client, models.Organisation, b"\x00\xff\xfe not text", "0")
    assert "This file cannot be imported" in response.text
    assert "UnicodeDecodeError encountered while trying to read file" in response.text


def test_an_export_is_a_file_to_download_once_done(client, editor, seeded):
    client.force_login(editor)
    queryset = models.Organisation.objects.order_by("-slug")
    job = start_export(
        user=editor,
        entry=registry.of(models.Organisation),
        file_format="csv",
        keys=queryset.values_list("pk", flat=True),
        file_name="Organisation-2026-12-03.csv",
    )
    assert client.get(page(job, "download")).status_code == 404  # not done yet
    run_queued_jobs()
    response = client.get(page(job, "download"))
    assert response["Content-Disposition"] == 'attachment; filename="Organisation-2026-12-03.csv"'
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("slug,")
    # In the order the changelist showed them.
    assert [line.split(",")[0] for line in lines[1:]] == list(
        queryset.values_list("slug", flat=True)
    )
    assert f"{queryset.count()} rows exported." in client.get(page(job)).text


@pytest.mark.parametrize("count", [1, 20])
def test_the_job_list_costs_the_same_queries_at_any_length(client, boss, count):
    for _ in range(count):
        queue(boss)
    client.force_login(boss)
    client.get(reverse("admin:kb_job_changelist"))  # warm the session
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["jobs"]) as jobs,
    ):
        response = client.get(reverse("admin:kb_job_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    assert (len(default), len(jobs)) == EXPECTED_QUERIES


# The session and the user on the primary; on the jobs alias, the page of jobs and two
# counts (the filtered list's and the whole list's, which the changelist shows).
EXPECTED_QUERIES = (2, 3)

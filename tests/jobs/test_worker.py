"""Jobs run by real worker processes (`manage.py worker`), on this test's databases.

Progress is read here, from another process, while the worker's write is
still open; a cancel reaches it between batches; a worker killed half-way
has written nothing; two workers never run one job; the RQ queue runs the
same jobs. Nothing is run in this process: each worker is a process of its
own, as in production.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connections
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from reversion.models import Version

from kb import models, registry
from kb.jobs.start import cancel, start_import
from kb.models import Job, WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "jobs"])

REPO = Path(__file__).resolve().parents[2]
ORGANISATIONS = registry.of(models.Organisation)


def database_url(alias):
    settings = connections[alias].settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def redis_db():
    """A Redis database of its own per test worker: RQ's keys have no prefix."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw9")
    return 13 + int(worker[2:]) % 3


def worker_environment(**extra):
    return {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url("default"),
        "JOBS_DATABASE_URL": database_url("jobs"),
        **extra,
    }


def start_worker(*args, **extra):
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.1", *args],
        cwd=REPO,
        env=worker_environment(**extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


@pytest.fixture
def workers():
    started = []

    def start(*args, **extra):
        process = start_worker(*args, **extra)
        started.append(process)
        return process

    yield start
    for process in started:
        stop(process)


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")


def organisations_csv(count, prefix="org"):
    lines = ["slug,name_en,kind"]
    lines += [f"{prefix}-{i},Organisation {prefix} {i},police" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


def queue_import(user, data, name="organisations.csv"):
    return start_import(
        user=user, entry=ORGANISATIONS, file_format="csv", file_name=name, data=data, dry_run=False
    )


def watch(job, until, timeout=180):
    """Read the job (and the rows it writes) from here every few ms until `until(seen)`."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = Job.objects.get(pk=job.pk)
        seen.append(
            {
                "state": row.state,
                "total": row.total,
                "validated": row.validated,
                "written": row.written,
                "to_write": row.to_write,
                "rows": models.Organisation.objects.count(),
            }
        )
        if until(seen[-1]):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"the job never got there: {seen[-3:]}")


def finished(seen):
    return seen["state"] in ("done", "failed", "cancelled")


def test_the_editor_sees_progress_while_the_write_runs(workers, boss):
    count = 5000
    job = queue_import(boss, organisations_csv(count))
    workers()
    seen = watch(job, finished)
    assert seen[-1]["state"] == "done", seen[-1]
    # Validation moved in steps the editor could see, before any write.
    assert any(0 < s["validated"] < count and s["state"] == "validating" for s in seen)
    # Rows written were reported while none of them was visible yet: the
    # counts are committed outside the write's own transaction.
    assert any(s["state"] == "writing" and s["written"] > 0 and s["rows"] == 0 for s in seen)
    final = Job.objects.get(pk=job.pk)
    assert (final.total, final.validated, final.written, final.to_write) == (count,) * 4
    assert final.report["new"] == count
    assert models.Organisation.objects.count() == count
    assert Version.objects.filter(revision__comment="Imported from organisations.csv").count() == (
        count
    )


def test_a_cancelled_import_rolls_back_and_says_nothing_was_written(workers, boss, client):
    job = queue_import(boss, organisations_csv(5000))
    workers()
    watch(job, lambda s: s["state"] == "writing")
    cancel(job)
    seen = watch(job, finished)
    assert seen[-1]["state"] == "cancelled"
    assert models.Organisation.objects.count() == 0
    assert not Version.objects.exists()
    client.force_login(boss)
    page = client.get(reverse("admin:kb_job_change", args=(job.pk,)))
    assert "Cancelled: nothing was written." in page.text


def test_a_worker_killed_half_way_has_written_nothing(workers, boss, client):
    job = queue_import(boss, organisations_csv(5000))
    worker = workers()
    watch(job, lambda s: s["state"] == "writing" and s["written"] > 0)
    worker.kill()  # SIGKILL: no clean-up of any kind
    worker.wait(30)
    assert models.Organisation.objects.count() == 0
    assert not Version.objects.exists()
    assert Job.objects.get(pk=job.pk).state == "writing"  # nobody left to say otherwise
    client.force_login(boss)
    with override_settings(WORKER_HEARTBEAT_MAX_AGE=0.5):
        time.sleep(1)
        progress = client.get(reverse("admin:kb_job_progress", args=(job.pk,))).json()
        page = client.get(reverse("admin:kb_job_change", args=(job.pk,)))
    assert (progress["state"], progress["finished"]) == ("failed", True)
    assert "The worker running this job stopped: nothing was written." in page.text


def test_two_workers_never_run_the_same_job(workers, boss):
    first, second = workers(), workers()
    # Both are up (each beats once before it looks at the queue), then the jobs come.
    deadline = time.monotonic() + 60
    while WorkerHeartbeat.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    beating = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    assert len(beating) == 2
    jobs = [queue_import(boss, organisations_csv(40, prefix=f"batch{i}")) for i in range(8)]
    for job in jobs:
        watch(job, finished)
    # Each job names the one worker that ran it.
    assert set(Job.objects.values_list("worker_id", flat=True)) <= beating
    assert {job.state for job in Job.objects.all()} == {"done"}
    assert models.Organisation.objects.count() == 8 * 40
    assert Version.objects.count() == 8 * 40  # each row written once
    for result in DBTaskResult.objects.all():
        assert len(result.worker_ids) == 1, result.worker_ids
    stop(first), stop(second)
    assert not WorkerHeartbeat.objects.exists()  # a clean stop removes its heartbeat


def test_the_rq_queue_runs_the_same_jobs(boss):
    url = f"redis://127.0.0.1:6379/{redis_db()}"
    server = redis.Redis.from_url(url)
    server.ping()  # Redis must be there: this fails rather than skips
    environment = worker_environment(TASKS_BACKEND="rq", REDIS_URL=url)
    enqueue = (
        "from django.contrib.auth import get_user_model\n"
        "from kb import models, registry\n"
        "from kb.jobs.start import start_import\n"
        "user = get_user_model().objects.get(username='boss')\n"
        "data = b'slug,name_en,kind\\nrq-one,RQ one,police\\nrq-two,RQ two,police\\n'\n"
        "job = start_import(user=user, entry=registry.of(models.Organisation),\n"
        "    file_format='csv', file_name='rq.csv', data=data, dry_run=False)\n"
        "print(job.pk)\n"
    )
    try:
        made = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", enqueue],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        job_id = int(made.stdout.strip().splitlines()[-1])
        assert server.llen("rq:queue:default") == 1
        subprocess.run(
            [sys.executable, "manage.py", "worker", "--batch"],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        job = Job.objects.get(pk=job_id)
        assert (job.state, job.written) == ("done", 2)
        assert set(models.Organisation.objects.values_list("slug", flat=True)) == {
            "rq-one",
            "rq-two",
        }
    finally:
        for key in server.scan_iter("rq:*"):
            server.delete(key)

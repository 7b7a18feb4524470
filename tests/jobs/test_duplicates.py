"""Computing the possible duplicates as a job (kb/jobs/duplicates.py): queued once, run
by a real worker process (`manage.py worker`), claimed once, its failure recorded."""

import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from kb.jobs import duplicates as job
from kb.models import DuplicateCandidate, DuplicatesRun
from tests import factories as f
from tests.jobs.test_worker import boss, stop, workers  # noqa: F401  (fixtures)


def twins():
    """Two spellings of one police: a pair found only through the similarity."""
    a = f.OrganisationFactory(name_en="Police nationale norvégienne", name_fr="", country="NO")
    b = f.OrganisationFactory(name_en="Police nationale norvegiene", name_fr="", country="NO")
    return a, b


@pytest.mark.django_db(transaction=True, databases=["default", "jobs"])
def test_a_worker_computes_what_recompute_queued(workers, boss):  # noqa: F811
    a, b = twins()
    assert job.queue(boss) is True
    assert job.queue(boss) is False  # one waits already: nothing more is queued
    assert DuplicatesRun.current().queued_by == "boss"
    worker = workers()
    deadline = time.monotonic() + 120
    while DuplicatesRun.current().finished_at is None:
        assert time.monotonic() < deadline, stop(worker)
        time.sleep(0.1)
    run = DuplicatesRun.current()
    assert run.queued_at is None and run.error == ""
    assert (run.pairs, run.comparisons) == (1, 1)
    pair = DuplicateCandidate.objects.get()
    assert (pair.low_id, pair.high_id, pair.reasons) == (a.pk, b.pk, "similar")
    # Once it has run, "Recompute" queues again.
    assert job.queue(boss) is True


@pytest.mark.django_db(databases=["default", "jobs"])
def test_a_task_delivered_twice_computes_once(django_user_model):
    twins()
    user = django_user_model.objects.create_user("rev", "r@example.org", "pw")
    job.queue(user)
    assert job.run() is not None
    assert job.run() is None  # the second delivery finds nothing queued
    assert DuplicateCandidate.objects.count() == 1


@pytest.mark.django_db(databases=["default", "jobs"])
def test_a_lost_run_is_queued_again(django_user_model):
    user = django_user_model.objects.create_user("rev", "r@example.org", "pw")
    job.queue(user)
    DuplicatesRun.objects.update(queued_at=timezone.now() - job.LOST_AFTER * 2)
    assert job.queue(user) is True


@pytest.mark.django_db(databases=["default", "jobs"])
def test_a_failed_run_says_why_and_writes_nothing(monkeypatch, django_user_model):
    twins()
    user = django_user_model.objects.create_user("rev", "r@example.org", "pw")

    def broken(spec, found, now):
        DuplicateCandidate.objects.create(
            content_type_id=1, low_id=1, high_id=2, reasons="similar", score=1, computed_at=now
        )
        raise RuntimeError("disk full")

    monkeypatch.setattr("kb.domain.duplicates.store", broken)
    job.queue(user)
    with pytest.raises(RuntimeError):
        job.run()
    run = DuplicatesRun.current()
    assert run.error == "disk full" and run.finished_at is not None
    assert not DuplicateCandidate.objects.exists()  # one transaction, rolled back


@pytest.mark.django_db(databases=["default", "jobs"])
def test_the_command_computes_at_once_and_says_what_it_found(capsys):
    twins()
    call_command("duplicates")
    out = capsys.readouterr().out
    assert "Possible duplicates: 1, from 1 comparisons" in out
    assert "organisation" in out and "pairs by country alone" in out
    assert DuplicatesRun.current().pairs == 1

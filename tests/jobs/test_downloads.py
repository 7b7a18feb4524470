"""The downloads' rebuild: queued when the data change, at most once per interval, built once.

`notice_changes()` is what a worker runs on each heartbeat; the queue is
django-tasks' database queue, read here (DBTaskResult). Nothing waits on
the clock: times are given.
"""

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kb.db.version import data_version
from kb.exports.bulk import catalogue
from kb.jobs import downloads
from kb.jobs.workers import Heartbeat
from kb.models import DownloadFile, DownloadsSchedule
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def auto_rebuild(settings):
    settings.DOWNLOADS_AUTO_REBUILD = True
    settings.DOWNLOADS_REBUILD_SECONDS = 300


def rebuilds():
    return DBTaskResult.objects.filter(task_path__endswith="rebuild_downloads")


def test_two_writes_in_a_row_queue_one_rebuild():
    factories.OrganisationFactory()
    first = downloads.notice_changes(NOW)
    factories.OrganisationFactory()
    second = downloads.notice_changes(NOW + datetime.timedelta(seconds=5))
    assert first is not None
    assert second is None
    (queued,) = rebuilds()
    # The first change after a quiet spell: at once.
    assert queued.task.run_after is None
    assert DownloadsSchedule.current().queued_for == NOW


def test_a_rebuild_waits_for_the_interval_after_the_last_one():
    factories.OrganisationFactory()
    DownloadsSchedule.objects.create(started_at=NOW - datetime.timedelta(seconds=60), version="old")
    downloads.notice_changes(NOW)
    (queued,) = rebuilds()
    assert queued.task.run_after == NOW + datetime.timedelta(seconds=240)


def test_no_change_no_rebuild():
    factories.OrganisationFactory()
    DownloadsSchedule.objects.create(version=data_version())
    assert downloads.notice_changes(NOW) is None
    assert not rebuilds().exists()


def test_the_setting_turns_it_off(settings):
    settings.DOWNLOADS_AUTO_REBUILD = False
    factories.OrganisationFactory()
    assert downloads.notice_changes(NOW) is None
    assert not rebuilds().exists()


def test_a_lost_rebuild_is_queued_again():
    factories.OrganisationFactory()
    DownloadsSchedule.objects.create(queued_for=NOW - datetime.timedelta(hours=2))
    assert downloads.notice_changes(NOW) is not None
    assert DownloadsSchedule.current().queued_for == NOW


def test_a_rebuild_builds_once_and_records_what_it_read(downloads_storage, settings):
    settings.SITE_URL = "http://testserver"
    factories.OrganisationFactory()
    downloads.notice_changes(timezone.now())
    downloads.rebuild()
    schedule = DownloadsSchedule.current()
    assert schedule.queued_for is None
    assert schedule.version == data_version()
    assert schedule.finished_at is not None
    assert DownloadFile.objects.count() == len(catalogue.FILES)
    # The same task delivered twice builds once.
    built_at = list(DownloadFile.objects.values_list("built_at", flat=True))
    assert downloads.rebuild() is None
    assert list(DownloadFile.objects.values_list("built_at", flat=True)) == built_at
    # Built from the data as they are: nothing more to do until they change.
    assert downloads.notice_changes(timezone.now()) is None


def test_a_failed_build_is_tried_again_later(downloads_storage, monkeypatch):
    factories.OrganisationFactory()
    downloads.notice_changes(NOW)

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(downloads, "build", broken)
    with pytest.raises(RuntimeError):
        downloads.rebuild()
    schedule = DownloadsSchedule.current()
    assert schedule.error == "disk full"
    assert DownloadFile.objects.count() == 0
    # Noticed again, no sooner than the interval after that start.
    later = downloads.notice_changes(timezone.now())
    assert later is not None
    (_first, retry) = rebuilds().order_by("enqueued_at")
    assert retry.task.run_after == schedule.started_at + datetime.timedelta(seconds=300)


def test_the_worker_heartbeat_notices_changes(monkeypatch):
    heartbeat = Heartbeat("test-worker", "database")
    noticed = []

    def notice():
        noticed.append(True)
        heartbeat.stopping.set()  # one beat is enough

    monkeypatch.setattr("kb.jobs.workers.notice_quietly", notice)
    monkeypatch.setattr("kb.jobs.workers.HEARTBEAT_SECONDS", 0.01)
    heartbeat.run()
    assert noticed == [True]

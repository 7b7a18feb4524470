"""Publishing built files: a reader always gets a whole copy, the one before is kept a while."""

from pathlib import Path

import pytest

from kb.exports.bulk import build as builds
from kb.exports.bulk.catalogue import BulkFile
from kb.models import DownloadFile

pytestmark = pytest.mark.django_db


def a_file(contents):
    """A one-file catalogue whose successive builds write each of `contents` in turn."""
    pending = iter(contents)

    def write(directory, build):
        (directory / "entente-test.txt").write_bytes(next(pending))

    return BulkFile("entente-test.txt", "text/plain", "Test", "A test file.", write)


def stored(store):
    return sorted(name for name in store.listdir("")[1])


def test_each_build_is_a_new_copy_and_the_one_before_is_kept(downloads_storage):
    test_file = a_file([b"first", b"second", b"third"])
    builds.build("http://testserver", [test_file])
    first = DownloadFile.objects.get().stored_name
    builds.build("http://testserver", [test_file])
    row = DownloadFile.objects.get()
    assert row.previous_name == first
    assert downloads_storage.open(row.stored_name).read() == b"second"
    assert stored(downloads_storage) == sorted([first, row.stored_name])
    builds.build("http://testserver", [test_file])
    third = DownloadFile.objects.get()
    # The copy before the one before is gone; the one before stays for downloads under way.
    assert stored(downloads_storage) == sorted([row.stored_name, third.stored_name])
    assert third.previous_name == row.stored_name
    assert downloads_storage.open(third.stored_name).read() == b"third"


def test_the_same_bytes_are_not_saved_again(downloads_storage):
    test_file = a_file([b"same", b"same"])
    builds.build("http://testserver", [test_file])
    builds.build("http://testserver", [test_file])
    row = DownloadFile.objects.get()
    assert row.previous_name == ""
    assert stored(downloads_storage) == [row.stored_name]


def test_a_failed_build_publishes_nothing(downloads_storage):
    builds.build("http://testserver", [a_file([b"good"])])
    before = DownloadFile.objects.get()

    def broken(directory, build):
        (directory / "entente-test.txt").write_bytes(b"half a fi")
        raise OSError("disk full")

    with pytest.raises(OSError):
        builds.build(
            "http://testserver", [BulkFile("entente-test.txt", "text/plain", "T", "T", broken)]
        )
    assert DownloadFile.objects.get().sha256 == before.sha256
    assert stored(downloads_storage) == [before.stored_name]
    # Nothing is left where files are built.
    assert not any(Path(downloads_storage.path(".staging")).iterdir())

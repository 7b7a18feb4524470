"""What the downloads' tests share: a storage of their own, and files in it.

Import the fixtures into a test module (`from tests.downloads import downloads_storage`).
"""

from contextlib import contextmanager

import pytest
from django.test import override_settings
from django.utils import timezone

from kb.exports.bulk import catalogue, publish
from kb.models import DownloadFile


def storages_in(location):
    from django.conf import settings

    return {
        **settings.STORAGES,
        "downloads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }


@contextmanager
def storage_at(location):
    """The downloads storage in `location` for the block (never the checkout's media/)."""
    with override_settings(STORAGES=storages_in(location)):
        yield publish.storage()


@pytest.fixture
def downloads_storage(tmp_path):
    with storage_at(tmp_path / "downloads") as store:
        yield store


def content_of(name):
    """Distinct bytes per file, long enough for ranges."""
    return (f"{name}: " + "0123456789" * 10).encode()


def put_files(when=None):
    """Every catalogue file in the storage and the manifest, with content_of(name) as bytes."""
    when = when or timezone.now().replace(microsecond=0)
    rows = []
    for entry in catalogue.FILES:
        data = content_of(entry.name)
        path = publish.staging_directory() / entry.name
        path.write_bytes(data)
        sha, size = publish.digest(path)
        stored = publish.stored_name(entry.name, sha)
        with open(path, "rb") as handle:
            publish.storage().save(stored, publish.BuiltFile(handle, name=stored))
        rows.append(
            DownloadFile.objects.create(
                name=entry.name,
                stored_name=stored,
                media_type=entry.media_type,
                size=size,
                sha256=sha,
                built_at=when,
            )
        )
    return rows

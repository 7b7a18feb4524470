"""Putting built files in the downloads storage, and pointing the manifest at them.

A file is never overwritten in place: each copy is saved under a name of
its own, with its digest (entente-csv-<sha256[:16]>.zip), and only once it
is whole does its DownloadFile row point at it, in one transaction for the
whole build. A reader is therefore always handed a whole file: the new one,
or the one before. The copy replaced is kept until the next build, so that
a download under way (a resumed one too) can finish; older copies, and the
leftovers of a build that died half-way, are then deleted.

With a folder (FileSystemStorage) the files are built inside it, under
`.staging/`, and saving one is a rename; with object storage (S3) saving is
an upload, and an object appears only once it is whole.
"""

import datetime
import hashlib
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.db import transaction
from django.utils import timezone

from ...db.routing import JOBS
from ...models import DownloadFile

ALIAS = "downloads"
STAGING = ".staging"
# A copy no row names is a leftover only once it is this old: a build under
# way may have saved it and not yet pointed its row at it.
LEFTOVER_AGE = datetime.timedelta(hours=1)


def storage():
    return storages[ALIAS]


def staging_directory():
    """Where files are built: inside the storage's own folder, so that saving is a rename."""
    store = storage()
    if isinstance(store, FileSystemStorage):
        directory = Path(store.location) / STAGING
        directory.mkdir(parents=True, exist_ok=True)
        return directory
    return None  # the system's temporary directory


class BuiltFile(File):
    """A file on disk; FileSystemStorage moves it into place (a rename) rather than copy it."""

    def temporary_file_path(self):
        return self.file.name


def digest(path):
    """(sha256 in hex, size in bytes) of a file, read a megabyte at a time."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size


def stored_name(name, sha):
    """The name of a copy: entente-csv.zip -> entente-csv-<16 hex digits>.zip."""
    stem, dot, extension = name.partition(".")
    return f"{stem}-{sha[:16]}{dot}{extension}"


def publish(written, build):
    """Save each (BulkFile, path) written by `build`, then point the manifest at them all."""
    store = storage()
    saved = []
    for bulk_file, path in written:
        sha, size = digest(path)
        name = stored_name(bulk_file.name, sha)
        if not store.exists(name):  # the same name holds the same bytes
            with open(path, "rb") as handle:
                store.save(name, BuiltFile(handle, name=name))
        saved.append((bulk_file, name, sha, size))
    unused = set()
    with transaction.atomic(using=JOBS):
        rows = DownloadFile.objects.select_for_update().filter(name__in=[s[0].name for s in saved])
        current = {row.name: row for row in rows}
        for bulk_file, name, sha, size in saved:
            row = current.get(bulk_file.name) or DownloadFile(name=bulk_file.name)
            if row.pk and row.built_at > build.started_at:
                unused.add(name)  # a build that read the data later got there first
                continue
            if row.pk and row.stored_name != name:
                if row.previous_name not in ("", name):
                    unused.add(row.previous_name)
                row.previous_name = row.stored_name
            row.stored_name = name
            row.media_type = bulk_file.media_type
            row.size = size
            row.sha256 = sha
            row.built_at = build.started_at
            row.save(using=JOBS)
    kept = set(DownloadFile.objects.values_list("stored_name", flat=True))
    kept |= set(DownloadFile.objects.values_list("previous_name", flat=True))
    for name in unused - kept:
        store.delete(name)
    sweep(store, kept)


def sweep(store, kept):
    """Delete copies no row names that are old enough not to be a build's under way."""
    try:
        _directories, names = store.listdir("")
    except FileNotFoundError:
        return
    cutoff = timezone.now() - LEFTOVER_AGE
    for name in names:
        if name in kept or name.startswith("."):
            continue
        if store.get_modified_time(name) < cutoff:
            store.delete(name)

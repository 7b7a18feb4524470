"""One build: every bulk file written from one consistent view of the data, then published."""

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone, translation

from ...db.snapshot import snapshot
from ...db.version import data_version
from . import catalogue, publish
from .context import Build

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    name: str
    size: int
    # The time of the writer that wrote it (the files it writes together share it).
    seconds: float


def build(base_url, files=None):
    """Write `files` (every available one by default) and publish them; (Build, [Written])."""
    chosen = list(files or catalogue.available())
    # Each writer once, in the catalogue's order, for all the chosen files it writes.
    writers = {}
    for bulk_file in chosen:
        writers.setdefault(bulk_file.write, []).append(bulk_file)
    written, results = [], []
    with tempfile.TemporaryDirectory(dir=publish.staging_directory(), prefix="build-") as tmp:
        directory = Path(tmp)
        # English: the names and descriptions the files hold (`names` keeps both languages).
        with snapshot(), translation.override("en"):
            current = Build(base_url, timezone.now(), data_version() or "")
            for write, bulk_files in writers.items():
                start = time.perf_counter()
                write(directory, current)
                seconds = time.perf_counter() - start
                for bulk_file in bulk_files:
                    path = directory / bulk_file.name
                    written.append((bulk_file, path))
                    results.append(Written(bulk_file.name, path.stat().st_size, seconds))
                    logger.info(
                        "downloads: %s written, %s bytes in %.2f s",
                        bulk_file.name,
                        results[-1].size,
                        seconds,
                    )
        publish.publish(written, current)
    return current, results

"""The bulk files, in the order the downloads page lists them: name, media type, description.

Each file is written by a function `write(directory, build)`, into
`directory / name`; files that share a writer (the CSV zip, the SQLite file
and its metadata: relational.py) are written by one call.
kb/exports/bulk/publish.py then puts them in the downloads storage.
"""

import importlib.util
import json
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import jsonzip, relational


@dataclass(frozen=True)
class BulkFile:
    name: str
    media_type: str
    title: str
    description: str
    write: object  # write(directory, build)
    # The module the file's content comes from, when another part of kb/exports owns it.
    needs: str = ""

    @property
    def available(self):
        """Whether this installation can write it (its exporter's module is there)."""
        return not self.needs or importlib.util.find_spec(self.needs) is not None


def _bytes(name, module_name, function):
    """A writer of the bytes `kb.exports.<module>.<function>()` yields: FtM and Popolo."""

    def write(directory, build):
        module = importlib.import_module(module_name)
        with open(directory / name, "wb") as out:
            for chunk in getattr(module, function)(base_url=build.base_url + "/"):
                out.write(chunk)

    return write


def _ftm_dataset(directory, build):
    """FtM's own description of the dataset, licence included: an FtM line has no room for it."""
    ftm = importlib.import_module("kb.exports.ftm")
    with open(directory / FTM_DATASET, "w", encoding="utf-8") as out:
        json.dump(ftm.dataset_metadata(build.base_url + "/"), out, ensure_ascii=False, indent=2)
        out.write("\n")


def _json_zip(directory, build):
    jsonzip.write(directory / JSON_ZIP, build)


JSON_ZIP = "entente-json.zip"
FTM = "entente.ftm.json"
FTM_DATASET = "entente.ftm-dataset.json"
POPOLO = "entente-popolo.json"


FILES = (
    BulkFile(
        relational.CSV_ZIP,
        "application/zip",
        _("CSV, with a Data Package"),
        _(
            "A CSV file per type (the columns of the import files) plus the table of who met "
            "whom, described by a Frictionless Data Package (datapackage.json): field types, "
            "keys, and the licence."
        ),
        relational.write,
    ),
    BulkFile(
        JSON_ZIP,
        "application/zip",
        _("JSON"),
        _("A JSON file per type, each record as the API gives it, and about.json."),
        _json_zip,
    ),
    BulkFile(
        relational.DATABASE,
        "application/vnd.sqlite3",
        _("SQLite database"),
        _(
            "Every table in one SQLite file, with keys, links and full-text search: it opens "
            "in Datasette as it is (datasette entente.db -m entente.metadata.json)."
        ),
        relational.write,
    ),
    BulkFile(
        relational.METADATA,
        "application/json",
        _("Datasette metadata"),
        _(
            "Datasette's metadata.json for the SQLite file: the licence, the source, and a "
            "description of every table and column."
        ),
        relational.write,
    ),
    BulkFile(
        FTM,
        "application/x-ndjson",
        _("FollowTheMoney entities"),
        _(
            "Every published record as FollowTheMoney entities, one JSON object per line, "
            "for Aleph and OpenSanctions' tools."
        ),
        _bytes(FTM, "kb.exports.ftm", "lines"),
        needs="kb.exports.ftm",
    ),
    BulkFile(
        FTM_DATASET,
        "application/json",
        _("FollowTheMoney dataset description"),
        _(
            "The description FtM tools read beside the entities: the dataset's name, title "
            "and licence."
        ),
        _ftm_dataset,
        needs="kb.exports.ftm",
    ),
    BulkFile(
        POPOLO,
        "application/json",
        _("Popolo"),
        _("People, organisations, memberships, posts and events as one Popolo JSON document."),
        _bytes(POPOLO, "kb.exports.popolo", "chunks"),
        needs="kb.exports.popolo",
    ),
)


def available():
    return [f for f in FILES if f.available]


def named(name):
    """The file called `name`, or None."""
    return next((f for f in FILES if f.name == name), None)

"""The CSV zip, the SQLite file and Datasette's metadata, written in one pass over the tables.

Reading the rows is most of a build's work (each type's cells as its
import file writes them, the connections' as the domain words them), so
each chunk of rows goes into the zip's CSV and the SQLite table together.
"""

import zipfile

from ...lib.batching import batched
from . import csvzip, sqlite
from .tables import tables

CSV_ZIP = "entente-csv.zip"
DATABASE = "entente.db"
METADATA = "entente.metadata.json"
# Rows per chunk: one executemany, one CSV write.
CHUNK = 1000


def write(directory, build):
    described = tables()
    with (
        zipfile.ZipFile(directory / CSV_ZIP, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        sqlite.database(directory / DATABASE, build, described) as db,
    ):
        for table in described:
            with csvzip.member(archive, table) as write_csv:
                for rows in batched(table.rows(), CHUNK):
                    write_csv(rows)
                    sqlite.insert(db, table, rows)
        csvzip.write_package(archive, described, build)
    sqlite.write_metadata(directory / METADATA, build, described)

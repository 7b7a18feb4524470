"""The CSV zip: a CSV file per table, and a datapackage.json describing them.

The Data Package (Frictionless Data, https://specs.frictionlessdata.io/) is
a tabular data package: each CSV is a resource with its Table Schema (field
types, the slug as primary key, foreign keys by slug), and the package
states the licence and where the data come from (kb/lib/dataset.py), so
`frictionless validate datapackage.json` checks the files against it.
Text cells are escaped against spreadsheet formulas (kb/lib/cells.py), as
in every CSV Entente writes.
"""

import csv
import io
import json
from contextlib import contextmanager

from ...lib import dataset
from ...lib.cells import escape_cell
from .tables import STRING

PACKAGE = "datapackage.json"


def field_descriptor(column):
    descriptor = {"name": column.name, "type": column.type, "description": column.description}
    if column.type == "date":
        descriptor["format"] = "%Y-%m-%d"
    constraints = {}
    if column.required:
        constraints["required"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    if column.pattern:
        constraints["pattern"] = column.pattern
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def schema(table):
    descriptor = {"fields": [field_descriptor(c) for c in table.columns]}
    if table.primary_key:
        descriptor["primaryKey"] = list(table.primary_key)
    foreign_keys = [
        {
            "fields": column.name,
            # "" is the resource itself (an organisation's parent).
            "reference": {
                "resource": "" if column.references == table.name else column.references,
                "fields": "slug",
            },
        }
        for column in table.columns
        if column.references
    ]
    if foreign_keys:
        descriptor["foreignKeys"] = foreign_keys
    return descriptor


def package(described, build):
    """The datapackage.json of these tables, as a dict."""
    return {
        "profile": "tabular-data-package",
        "name": "entente",
        "title": dataset.TITLE,
        "description": str(dataset.DESCRIPTION),
        "homepage": build.base_url + "/",
        "created": build.created,
        "licenses": [
            {"name": dataset.LICENCE_ID, "path": dataset.LICENCE_URL, "title": dataset.LICENCE_NAME}
        ],
        "sources": [{"title": dataset.TITLE, "path": build.base_url + "/"}],
        "citation": build.citation,
        "resources": [
            {
                "name": table.name,
                "path": f"{table.name}.csv",
                "profile": "tabular-data-resource",
                "title": table.title,
                "description": table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema(table),
            }
            for table in described
        ],
    }


@contextmanager
def member(archive, table):
    """A function that writes rows to the table's CSV file in the archive, header first.

    The member is compressed as it is written: no table is held whole.
    Text cells are escaped where a spreadsheet would run them as a formula.
    """
    text = [column.type == STRING for column in table.columns]
    with (
        archive.open(f"{table.name}.csv", "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out)
        writer.writerow([column.name for column in table.columns])

        def write(rows):
            writer.writerows(
                [escape_cell(v) if is_text else v for v, is_text in zip(row, text, strict=True)]
                for row in rows
            )

        yield write


def write_package(archive, described, build):
    archive.writestr(
        PACKAGE, json.dumps(package(described, build), ensure_ascii=False, indent=2) + "\n"
    )

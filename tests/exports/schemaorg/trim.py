"""Writes types.csv and properties.csv here from a schema.org release's full CSV files.

The tests need only each type's supertypes and each property's domain; the
release's files (2.9 MB, mostly comments) are cut to those columns:

    python tests/exports/schemaorg/trim.py path/to/schemaorg/data/releases/30.0
"""

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = {
    "schemaorg-current-http-types.csv": ("types.csv", ("id", "subTypeOf", "supersededBy")),
    "schemaorg-current-http-properties.csv": (
        "properties.csv",
        ("id", "domainIncludes", "supersededBy"),
    ),
}


def main(release):
    csv.field_size_limit(sys.maxsize)
    for source, (target, columns) in FILES.items():
        with open(Path(release) / source, newline="", encoding="utf-8") as infile:
            rows = sorted(csv.DictReader(infile), key=lambda row: row["id"])
        with open(HERE / target, "w", newline="", encoding="utf-8") as outfile:
            writer = csv.writer(outfile, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([row[column] for column in columns] for row in rows)


if __name__ == "__main__":
    main(sys.argv[1])

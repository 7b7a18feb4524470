"""The SQLite file, and the metadata.json that Datasette shows beside it.

`datasette entente.db -m entente.metadata.json` opens it as it is:
- a table per type (the CSV zip's tables, typed: dates as ISO text, figures
  as integers), the slug as primary key, foreign keys by slug, so Datasette
  links each reference to its row and labels it with the row's name;
- a link table per many-to-many column (events_topics: event, topic), which
  Datasette can facet on;
- full-text search as Datasette finds it (sqlite-utils' convention): an FTS5
  table `<table>_fts` over the table's free text, with `content=[<table>]`,
  so `?_search=` works on the table page;
- `about`: the title, the licence, the source and how to cite, inside the
  file itself.
It holds the published data only, as the other files: no draft, no user,
no history, no job, nothing of the site's settings.
"""

import json
import sqlite3
from contextlib import contextmanager

from ...lib import dataset
from .tables import DATE, INTEGER

# Datasette names a database after its file (entente.db: "entente").
DATABASE = "entente"
SQL_TYPES = {INTEGER: "INTEGER", DATE: "TEXT"}
# Unaccented search ("securite" finds "sécurité"), as the site's search folds accents.
TOKENIZE = "unicode61 remove_diacritics 2"


def quote(name):
    return f"[{name}]"


def create_table(table):
    columns = []
    for column in table.columns:
        definition = f"{quote(column.name)} {SQL_TYPES.get(column.type, 'TEXT')}"
        if column.required:
            definition += " NOT NULL"
        if column.references:
            definition += f" REFERENCES {quote(column.references)}([slug])"
        columns.append(definition)
    if table.primary_key:
        columns.append(f"PRIMARY KEY ({', '.join(map(quote, table.primary_key))})")
    return f"CREATE TABLE {quote(table.name)} (\n  " + ",\n  ".join(columns) + "\n)"


def _value(cell, column):
    if cell == "" or cell is None:
        return None
    if column.type == INTEGER:
        return int(cell)
    return cell


def insert(db, table, rows):
    """Add rows (tuples of cells, as tables.py gives them) to the table and its link tables."""
    names = ", ".join(quote(c.name) for c in table.columns)
    marks = ", ".join("?" for _c in table.columns)
    columns = table.columns
    db.executemany(
        f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})",
        [[_value(v, c) for v, c in zip(row, columns, strict=True)] for row in rows],
    )
    positions = {c.name: i for i, c in enumerate(columns)}
    for link in table.links:
        owner, cells = positions["slug"], positions[link.column]
        pairs = [(row[owner], slug) for row in rows for slug in row[cells].split(",") if slug]
        db.executemany(f"INSERT INTO {quote(link.name)} VALUES (?, ?)", pairs)


def create_link(table, link):
    return (
        f"CREATE TABLE {quote(link.name)} (\n"
        f"  {quote(link.owner)} TEXT NOT NULL REFERENCES {quote(table.name)}([slug]),\n"
        f"  {quote(link.target_column)} TEXT NOT NULL REFERENCES {quote(link.target)}([slug]),\n"
        f"  PRIMARY KEY ({quote(link.owner)}, {quote(link.target_column)})\n)"
    )


def create_search(table):
    """The table's FTS5 index, as sqlite-utils writes it (Datasette detects it by content=)."""
    name = f"{table.name}_fts"
    columns = ", ".join(quote(c) for c in table.searchable)
    return [
        f"CREATE VIRTUAL TABLE {quote(name)} USING FTS5 ({columns}, "
        f"tokenize='{TOKENIZE}', content={quote(table.name)})",
        f"INSERT INTO {quote(name)} ({quote(name)}) VALUES ('rebuild')",
    ]


def about(build):
    return [
        ("title", dataset.TITLE),
        ("description", str(dataset.DESCRIPTION)),
        ("licence", dataset.LICENCE_NAME),
        ("licence_id", dataset.LICENCE_ID),
        ("licence_url", dataset.LICENCE_URL),
        ("source_url", build.base_url + "/"),
        ("created", build.created),
        ("citation", build.citation),
    ]


@contextmanager
def database(path, build, described):
    """A new SQLite file with the tables' schema; rows go in with insert(); then the search
    indexes, the statistics and a VACUUM when the block ends."""
    db = sqlite3.connect(path)
    try:
        # One file, written once: no journal to keep beside it, nothing to recover.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        with db:
            db.execute("CREATE TABLE [about] ([key] TEXT PRIMARY KEY, [value] TEXT NOT NULL)")
            db.executemany("INSERT INTO [about] VALUES (?, ?)", about(build))
            for table in described:
                db.execute(create_table(table))
                for link in table.links:
                    db.execute(create_link(table, link))
            yield db
            for table in described:
                if table.searchable:
                    for sql in create_search(table):
                        db.execute(sql)
        db.execute("ANALYZE")
        db.execute("VACUUM")
    finally:
        db.close()


# --- Datasette's metadata.json ----------------------------------------------------------


def table_metadata(table):
    described = {
        "title": table.title,
        "description": table.description,
        "columns": {c.name: c.description for c in table.columns},
    }
    if table.label:
        described["label_column"] = table.label
    if table.searchable:
        described["fts_table"] = f"{table.name}_fts"
    facets = [c.name for c in table.columns if (c.enum or c.pattern) and c.name != "status"]
    if facets:
        described["facets"] = facets
    return described


def metadata(build, described):
    """Datasette's metadata: the licence, the source, and every table and column described."""
    database_tables = {"about": {"description": "The dataset's title, licence, source and date."}}
    for table in described:
        database_tables[table.name] = table_metadata(table)
        for link in table.links:
            database_tables[link.name] = {
                "description": (
                    f"The {link.target} of each of the {table.name}, one row per pair "
                    f"(the {table.name}.{link.column} column, as a table)."
                ),
                "columns": {
                    link.owner: f"The slug of the {link.owner} ({table.name}.slug).",
                    link.target_column: f"The slug of the {link.target_column} "
                    f"({link.target}.slug).",
                },
            }
    return {
        "title": dataset.TITLE,
        "description": str(dataset.DESCRIPTION),
        "license": dataset.LICENCE_NAME,
        "license_url": dataset.LICENCE_URL,
        "source": dataset.TITLE,
        "source_url": build.base_url + "/",
        "about": build.citation,
        "about_url": build.base_url + "/",
        "databases": {DATABASE: {"tables": database_tables}},
    }


def write_metadata(path, build, described):
    with open(path, "w", encoding="utf-8") as out:
        json.dump(metadata(build, described), out, ensure_ascii=False, indent=2)
        out.write("\n")

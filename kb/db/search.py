"""The search index behind `q`: substring search over the folded `search_text` column.

On SQLite, an FTS5 table per record table (`<table>_search`, trigram
tokenizer, external content, kept in step by triggers). On PostgreSQL, a
pg_trgm GIN index on the column, which `LIKE '%word%'` uses as it is.
`RecordQuerySet.search()` reads them.
"""

# Shortest word the trigram index can look up; shorter words are matched by
# a scan of the rows the longer words found (or of the table if none).
TRIGRAM = 3


def search_table(model):
    return f"{model._meta.db_table}_search"


# Column detail, not positions: a trigram's posting list is then a list of
# rows, several times shorter and faster to intersect (the "cyber academy"
# search at scale 100: 8.3 ms of SQL with positions, 3.0 ms without). It
# cannot match phrases, so a word is looked up as all of its trigrams: that
# finds every row holding the word, and some that hold its trigrams apart,
# which the exact check after it (RecordQuerySet.search) drops.
FTS_OPTIONS = "tokenize='trigram', detail=column"


def trigrams(words):
    """Each word's trigrams, once each, in order."""
    return list(dict.fromkeys(w[i : i + TRIGRAM] for w in words for i in range(len(w) - 2)))


def sqlite_match_expression(words):
    """The FTS5 query for rows holding every trigram of every word (each quoted)."""
    return " ".join('"{}"'.format(t.replace('"', '""')) for t in trigrams(words))


def sqlite_match(table, words):
    """SQL and parameters for the rowids of `table`'s records that may hold every word (FTS5).

    Words of at least TRIGRAM characters; the caller checks each word exactly.
    """
    fts = f"{table}_search"
    return f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s', [sqlite_match_expression(words)]


def _sqlite_triggers(table):
    fts = f"{table}_search"
    insert = f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.id, new.search_text);'
    delete = (
        f'INSERT INTO "{fts}"("{fts}", rowid, search_text) '
        "VALUES ('delete', old.id, old.search_text);"
    )
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_i" AFTER INSERT ON "{table}" BEGIN {insert} END',
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_d" AFTER DELETE ON "{table}" BEGIN {delete} END',
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_u" AFTER UPDATE OF search_text ON "{table}" '
        f"BEGIN {delete} {insert} END",
    ]


def sqlite_install(cursor, searchable, triggers):
    """The FTS5 table and triggers of each searchable table; `triggers` are those present."""
    for table in searchable:
        fts = f"{table}_search"
        missing = not {f"{fts}_i", f"{fts}_d", f"{fts}_u"} <= triggers
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [fts])
        existing = cursor.fetchone()
        if existing is not None and "detail=column" not in existing[0]:
            # Made before FTS_OPTIONS (with positions): made again, and indexed afresh.
            sqlite_uninstall(cursor, [table])
            missing = True
        cursor.execute(
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5('
            f"search_text, content=\"{table}\", content_rowid='id', {FTS_OPTIONS})"
        )
        for sql in _sqlite_triggers(table):
            cursor.execute(sql)
        if missing:
            # New, or its table was rebuilt without the triggers: index it afresh.
            cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')


def sqlite_uninstall(cursor, searchable):
    for table in searchable:
        for op in "idu":
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_search_{op}"')
        cursor.execute(f'DROP TABLE IF EXISTS "{table}_search"')


def pg_install(cursor, searchable):
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in searchable:
        cursor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_search_trgm" ON "{table}" '
            "USING gin (search_text gin_trgm_ops)"
        )


def pg_uninstall(cursor, searchable):
    for table in searchable:
        cursor.execute(f'DROP INDEX IF EXISTS "{table}_search_trgm"')

"""The search index's making: on SQLite, an FTS5 table per record table
(`<table>_search`, trigram tokenizer, external content) kept in step by
triggers, with its vocabulary (the statistics kb/db/search.py reads); on
PostgreSQL, a pg_trgm GIN index on `search_text`. kb/db/install.py runs these
after every migration; kb/db/search.py reads what they make.
"""


def search_table(model):
    return f"{model._meta.db_table}_search"


# Column detail, not positions: a trigram's posting list is then a list of
# rows, several times shorter and faster to intersect (the "cyber academy"
# search at scale 100: 8.3 ms of SQL with positions, 3.0 ms without). It
# cannot match phrases, so a word is looked up by its trigrams: that finds
# every row holding the word, and some that hold its trigrams apart, which
# the exact check after it (RecordQuerySet.search) drops.
FTS_OPTIONS = "tokenize='trigram', detail=column"


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
        # Its statistics: how many rows hold each trigram (search.statistics()).
        cursor.execute(
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}_vocab" USING fts5vocab("{fts}", \'row\')'
        )
        for sql in _sqlite_triggers(table):
            cursor.execute(sql)
        if missing:
            # New, or its table was rebuilt without the triggers: index it afresh.
            cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')


def sqlite_merge(cursor, searchable):
    """Merge each FTS5 index whose rows are spread over several segments into one.

    Rows added one by one or in batches (a bulk load, imports) land in small
    segments that FTS5 merges only partly as it goes, and a lookup reads each
    trigram's list from every segment: at scale 100 the organisations' index
    came out of `manage.py synthesize` in 12 segments, and the "cyber academy"
    search read its two lists in 7.8 million instructions there, 6.7 in one
    segment (19.5 and 17.8 million for the whole request). FTS5's 'optimize'
    rewrites the index (1.1 s for 100,000 organisations), so an index already
    in one segment is left alone.
    """
    for table in searchable:
        fts = f"{table}_search"
        cursor.execute(f'SELECT count(DISTINCT segid) FROM "{fts}_idx"')
        if cursor.fetchone()[0] > 1:
            cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'optimize\')')


def sqlite_uninstall(cursor, searchable):
    for table in searchable:
        for op in "idu":
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_search_{op}"')
        cursor.execute(f'DROP TABLE IF EXISTS "{table}_search_vocab"')
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

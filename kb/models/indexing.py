"""What keeps a large database fast: the search index, the data version and cached counts.

- **Search index.** `Record.search_text` (folded names) is indexed for
  substring search: on SQLite by an FTS5 table per record table
  (`<table>_search`, trigram tokenizer, external content, kept in step by
  triggers); on PostgreSQL by a pg_trgm GIN index on the column, which
  `LIKE '%word%'` uses as it is. `RecordQuerySet.search()` reads them.
- **Data version.** One row, `kb_dataversion`, whose `version` is a new
  random number after every committed change to any kb table: database
  triggers set it, so bulk inserts, `update()`, deletes and raw SQL all
  count. On SQLite a row trigger sets it at once (SQLite has one writer at
  a time anyway). On PostgreSQL a deferred trigger sets it once per
  transaction, at commit, so writers do not queue on that row while they
  work; until then a statement trigger marks the writing transaction's own
  session as "pending" with a random token, so that transaction's own reads
  (tests, a request that writes) still see a version of their own.
- **Cached counts.** `cached_count()` keys a queryset's COUNT by its SQL and
  the data version: exact as of the last change, computed once per process
  and version.

Django's SQLite schema editor rebuilds a table for many alterations, which
drops its triggers; a post_migrate handler (`ensure_installed`) puts back
whatever is missing and rebuilds the search index of such a table.
"""

import hashlib

from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.signals import post_migrate

VERSION_TABLE = "kb_dataversion"
COUNT_CACHE = "counts"
COUNT_TIMEOUT = 24 * 3600
# Shortest word the trigram index can look up; shorter words are matched by
# a scan of the rows the longer words found (or of the table if none).
TRIGRAM = 3


def search_table(model):
    return f"{model._meta.db_table}_search"


def kb_tables(app_config):
    """Every kb table, join tables included: whatever any response may show."""
    tables = []
    for model in app_config.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.append(model._meta.db_table)
    return sorted(set(tables))


def searchable_models(app_config):
    return [
        model
        for model in app_config.get_models()
        if model._meta.managed and any(f.name == "search_text" for f in model._meta.fields)
    ]


# --- SQLite --------------------------------------------------------------------------

SQLITE_STAMP = (
    f"UPDATE {VERSION_TABLE} SET version = random(), "
    "changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;"
)


def _sqlite_version_triggers(table):
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{table}_version_{op[0].lower()}" '
        f'AFTER {op} ON "{table}" BEGIN {SQLITE_STAMP} END'
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


def _sqlite_search_triggers(table):
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


def _sqlite_install(cursor, tables, searchable):
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
        "id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL, "
        "changed_at datetime NOT NULL)"
    )
    cursor.execute(
        f"INSERT OR IGNORE INTO {VERSION_TABLE} VALUES "
        "(1, random(), strftime('%Y-%m-%d %H:%M:%f', 'now'))"
    )
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    triggers = {row[0] for row in cursor.fetchall()}
    for table in tables:
        for sql in _sqlite_version_triggers(table):
            cursor.execute(sql)
    for table in searchable:
        fts = f"{table}_search"
        missing = not {f"{fts}_i", f"{fts}_d", f"{fts}_u"} <= triggers
        cursor.execute(
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5('
            f"search_text, content=\"{table}\", content_rowid='id', tokenize='trigram')"
        )
        for sql in _sqlite_search_triggers(table):
            cursor.execute(sql)
        if missing:
            # New, or its table was rebuilt without the triggers: index it afresh.
            cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')


def _sqlite_uninstall(cursor, tables, searchable):
    for table in tables:
        for op in "iud":
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_version_{op}"')
    for table in searchable:
        for op in "idu":
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_search_{op}"')
        cursor.execute(f'DROP TABLE IF EXISTS "{table}_search"')
    cursor.execute(f"DROP TABLE IF EXISTS {VERSION_TABLE}")


# --- PostgreSQL ----------------------------------------------------------------------

PG_RANDOM = "floor(random() * 9e18)::bigint"
PG_FUNCTIONS = [
    f"""
    CREATE OR REPLACE FUNCTION kb_data_pending() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- This transaction's own reads see a version of their own until it commits.
        PERFORM set_config('kb.pending', ({PG_RANDOM})::text, true);
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION kb_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- Once per transaction; deferred to commit, so the row is locked only then.
        IF current_setting('kb.changed', true) IS DISTINCT FROM txid_current()::text THEN
            UPDATE {VERSION_TABLE} SET version = {PG_RANDOM}, changed_at = clock_timestamp()
                WHERE id = 1;
            PERFORM set_config('kb.changed', txid_current()::text, true);
        END IF;
        RETURN NULL;
    END $$
    """,
]


def _pg_install(cursor, tables, searchable):
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
        "id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL, "
        "changed_at timestamp with time zone NOT NULL)"
    )
    cursor.execute(
        f"INSERT INTO {VERSION_TABLE} VALUES (1, {PG_RANDOM}, now()) ON CONFLICT DO NOTHING"
    )
    for sql in PG_FUNCTIONS:
        cursor.execute(sql)
    cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    triggers = {row[0] for row in cursor.fetchall()}
    for table in tables:
        if f"{table}_pending" not in triggers:
            cursor.execute(
                f'CREATE TRIGGER "{table}_pending" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION kb_data_pending()'
            )
        if f"{table}_version" not in triggers:
            cursor.execute(
                f'CREATE CONSTRAINT TRIGGER "{table}_version" AFTER INSERT OR UPDATE OR DELETE '
                f'ON "{table}" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
                "EXECUTE FUNCTION kb_data_changed()"
            )
        if f"{table}_truncated" not in triggers:
            cursor.execute(
                f'CREATE TRIGGER "{table}_truncated" AFTER TRUNCATE ON "{table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION kb_data_changed()"
            )
    for table in searchable:
        cursor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_search_trgm" ON "{table}" '
            "USING gin (search_text gin_trgm_ops)"
        )


def _pg_uninstall(cursor, tables, searchable):
    for table in tables:
        for suffix in ("pending", "version", "truncated"):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_{suffix}" ON "{table}"')
    for table in searchable:
        cursor.execute(f'DROP INDEX IF EXISTS "{table}_search_trgm"')
    cursor.execute("DROP FUNCTION IF EXISTS kb_data_pending()")
    cursor.execute("DROP FUNCTION IF EXISTS kb_data_changed()")
    cursor.execute(f"DROP TABLE IF EXISTS {VERSION_TABLE}")


INSTALLERS = {
    "sqlite": (_sqlite_install, _sqlite_uninstall),
    "postgresql": (_pg_install, _pg_uninstall),
}


def _run(step, connection, app_config):
    """Run the vendor's install (0) or uninstall (1) over every kb table. Other vendors: none."""
    steps = INSTALLERS.get(connection.vendor)
    if steps is None:
        return
    tables = kb_tables(app_config)
    searchable = [m._meta.db_table for m in searchable_models(app_config)]
    with connection.cursor() as cursor:
        steps[step](cursor, tables, searchable)


def install(connection, app_config):
    """Create whatever is missing: version table and triggers, search index. Idempotent."""
    _run(0, connection, app_config)


def uninstall(connection, app_config):
    _run(1, connection, app_config)


def ensure_installed(sender, app_config, using, plan=None, **kwargs):
    """post_migrate: put back triggers a table rebuild dropped (only once 0004 has run)."""
    if app_config.label != "kb":
        return
    connection = connections[using]
    if VERSION_TABLE not in connection.introspection.table_names():
        return  # migrated back before 0004, or not yet there
    install(connection, app_config)


post_migrate.connect(ensure_installed, dispatch_uid="kb.indexing.ensure_installed")


# --- Reading -------------------------------------------------------------------------


def version_expression(vendor):
    """SQL for the current data version as text, for this connection's own view of it."""
    if vendor == "postgresql":
        return (
            f"SELECT version::text || coalesce('.' || nullif(current_setting('kb.pending', true), "
            f"''), '') FROM {VERSION_TABLE} WHERE id = 1"
        )
    return f"SELECT CAST(version AS text) FROM {VERSION_TABLE} WHERE id = 1"


def data_version(using="default"):
    """The data version (a string), or None when the database has no version table."""
    connection = connections[using]
    if connection.vendor not in INSTALLERS:
        return None
    with connection.cursor() as cursor:
        cursor.execute(version_expression(connection.vendor))
        row = cursor.fetchone()
    return row[0] if row else None


def cached_count(queryset, version=None, key=None):
    """`queryset.count()`, cached per process under the data version.

    The cache key is the query's SQL, or `key` when the caller has a cheaper
    one that determines the rows as surely (a view's own query parameters):
    compiling the SQL only to look its count up cost a fast list a twentieth
    of its time. Pass `version` when the caller has read it already (one
    query fewer).
    """
    if version is None:
        version = data_version(queryset.db)
    if version is None:
        return queryset.count()
    if key is None:
        try:
            key = queryset.order_by().query.sql_with_params()
        except EmptyResultSet:  # .none(), or a filter that can match nothing
            return 0
    label = queryset.model._meta.label
    digest = hashlib.sha256(repr((queryset.db, label, key, version)).encode()).hexdigest()
    cache = caches[COUNT_CACHE]
    count = cache.get(digest)
    if count is None:
        count = queryset.count()
        cache.set(digest, count, COUNT_TIMEOUT)
    return count


# Parameters that choose a page or a rendering of a list, not its rows.
NOT_FILTERS = frozenset({"page", "page_size", "cursor", "format", "lang", "ordering"})


def filter_key(view_name, query_dict):
    """A list's count key from its view and query string: the same rows, the same key.

    Paging, format, language and order do not change which rows match;
    everything else is kept as given (two spellings of a filter are two keys,
    each exact).
    """
    params = sorted((k, tuple(v)) for k, v in query_dict.lists() if k not in NOT_FILTERS)
    return (view_name, tuple(params))

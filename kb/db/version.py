"""The data version: one number that changes with every committed change to any kb table.

One row, `kb_dataversion`, whose `version` is a new random number after
every change: database triggers set it, so bulk inserts, `update()`,
deletes and raw SQL all count. On SQLite a row trigger sets it at once
(SQLite has one writer at a time anyway). On PostgreSQL a deferred trigger
sets it once per transaction, at commit, so writers do not queue on that
row while they work; until then a statement trigger marks the writing
transaction's own session as "pending" with a random token, so that
transaction's own reads (tests, a request that writes) still see a version
of their own. Counts, ETags and caches are keyed by it.
"""

from django.db import connections

VERSION_TABLE = "kb_dataversion"
VENDORS = ("sqlite", "postgresql")

# --- SQLite --------------------------------------------------------------------------

SQLITE_STAMP = (
    f"UPDATE {VERSION_TABLE} SET version = random(), "
    "changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;"
)


def sqlite_install(cursor, tables):
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
        "id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL, "
        "changed_at datetime NOT NULL)"
    )
    cursor.execute(
        f"INSERT OR IGNORE INTO {VERSION_TABLE} VALUES "
        "(1, random(), strftime('%Y-%m-%d %H:%M:%f', 'now'))"
    )
    for table in tables:
        for op in ("INSERT", "UPDATE", "DELETE"):
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{table}_version_{op[0].lower()}" '
                f'AFTER {op} ON "{table}" BEGIN {SQLITE_STAMP} END'
            )


def sqlite_uninstall(cursor, tables):
    for table in tables:
        for op in "iud":
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_version_{op}"')
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


def pg_install(cursor, tables, triggers):
    """The version table, its functions and each table's triggers; `triggers`: those present."""
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


def pg_uninstall(cursor, tables):
    for table in tables:
        for suffix in ("pending", "version", "truncated"):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_{suffix}" ON "{table}"')
    cursor.execute("DROP FUNCTION IF EXISTS kb_data_pending()")
    cursor.execute("DROP FUNCTION IF EXISTS kb_data_changed()")
    cursor.execute(f"DROP TABLE IF EXISTS {VERSION_TABLE}")


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
    if connection.vendor not in VENDORS:
        return None
    with connection.cursor() as cursor:
        cursor.execute(version_expression(connection.vendor))
        row = cursor.fetchone()
    return row[0] if row else None

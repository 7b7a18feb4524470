"""Each event's participant groups, kept by the database: what the map counts, read per event.

`kb_eventgroups` holds one row per event: `groups`, the distinct groups its
participations count for, space-separated. A group is a country's code
("FR"), or "#" and the id of an organisation without a country (an
international body); "*" follows when the group hosted the event ("MA*").
A participation counts for its organisation, else its post's, and only when
the public may see it: that organisation, and its person and post where it
names them, are published (the rule of kb.domain.cooperation._participations).

Why: the map of three years at scale 100 read 125,000 participations, looked
up each one's organisation and sorted them all to count distinct events per
country (150 ms of SQL on SQLite). Read from here, the same map is one row
per event in scope, counted in Python (under 20 ms).

Triggers keep it in step on every path (the ORM, bulk inserts, update(),
raw SQL): a change to an event's participations refreshes that event; a
change to an organisation's country or status, a person's status, or a
post's status or organisation refreshes the events they took part in. On
SQLite they are row triggers; on PostgreSQL statement triggers with
transition tables, so a bulk insert refreshes each event once. The table is
not a Django model: it is derived, like the search index, so nothing saves a
stale copy over it, and a table rebuild of kb_event leaves it alone.
"""

from collections import Counter

TABLE = "kb_eventgroups"
# kb.models.Status.PUBLISHED and Participation.Role.HOST: this package sits below the
# models; tests/db/test_groups.py checks that the values agree.
PUBLISHED = "published"
HOST = "host"

# One group per visible participation. `o` is the organisation it counts for.
_FROM = (
    "FROM kb_participation p "
    "LEFT OUTER JOIN kb_person pe ON pe.id = p.person_id "
    "LEFT OUTER JOIN kb_post s ON s.id = p.post_id "
    "INNER JOIN kb_organisation o ON o.id = COALESCE(p.organisation_id, s.organisation_id) "
)
_VISIBLE = (
    f"(p.person_id IS NULL OR pe.status = '{PUBLISHED}') "
    f"AND (p.post_id IS NULL OR s.status = '{PUBLISHED}') "
    f"AND o.status = '{PUBLISHED}'"
)


def _group(concat):
    """The group of a participation row, in SQL (concat: the vendor's text of an integer)."""
    return (
        f"(CASE WHEN o.country = '' THEN '#' || {concat} ELSE o.country END) "
        f"|| (CASE WHEN p.role = '{HOST}' THEN '*' ELSE '' END)"
    )


def _groups_of(event_column, aggregate):
    """A scalar subquery: the groups of the event `event_column`, joined by spaces."""
    return (
        f"(SELECT {aggregate} FROM (SELECT DISTINCT {{group}} AS g {_FROM}"
        f"WHERE p.event_id = {event_column} AND {_VISIBLE}) AS x)"
    )


# Events whose groups a change to one organisation, person or post may move (`{id}`).
_EVENTS_OF = {
    "kb_organisation": (
        "SELECT event_id FROM kb_participation WHERE organisation_id = {id} "
        "UNION SELECT p.event_id FROM kb_participation p "
        "INNER JOIN kb_post s ON s.id = p.post_id WHERE s.organisation_id = {id}"
    ),
    "kb_person": "SELECT event_id FROM kb_participation WHERE person_id = {id}",
    "kb_post": "SELECT event_id FROM kb_participation WHERE post_id = {id}",
}
# The columns whose change moves groups.
_WATCHED = {
    "kb_organisation": ("country", "status"),
    "kb_person": ("status",),
    "kb_post": ("status", "organisation_id"),
}

# --- SQLite --------------------------------------------------------------------------

_SQLITE_GROUPS = _groups_of("e.id", "coalesce(group_concat(g, ' '), '')").format(
    group=_group("o.id")
)


def _sqlite_refresh(events):
    """Refresh the groups of the events selected by `events` (SQL giving their ids)."""
    return (
        f"INSERT OR REPLACE INTO {TABLE} (event_id, groups) "
        f"SELECT e.id, {_SQLITE_GROUPS} FROM kb_event e WHERE e.id IN ({events});"
    )


def _sqlite_triggers():
    yield "p_i", f"AFTER INSERT ON kb_participation BEGIN {_sqlite_refresh('NEW.event_id')} END"
    yield "p_d", f"AFTER DELETE ON kb_participation BEGIN {_sqlite_refresh('OLD.event_id')} END"
    yield (
        "p_u",
        "AFTER UPDATE ON kb_participation BEGIN "
        f"{_sqlite_refresh('OLD.event_id, NEW.event_id')} END",
    )
    yield "e_i", f"AFTER INSERT ON kb_event BEGIN {_sqlite_refresh('NEW.id')} END"
    yield "e_d", f"AFTER DELETE ON kb_event BEGIN DELETE FROM {TABLE} WHERE event_id = OLD.id; END"
    for table, columns in _WATCHED.items():
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        events = " UNION ".join(_EVENTS_OF[table].format(id=side) for side in ("OLD.id", "NEW.id"))
        yield (
            f"{table.removeprefix('kb_')}_u",
            f"AFTER UPDATE OF {', '.join(columns)} ON {table} WHEN {changed} "
            f"BEGIN {_sqlite_refresh(events)} END",
        )


def sqlite_install(cursor, triggers):
    """The table, its triggers (`triggers`: those present), and a first fill when it is new."""
    cursor.execute(f"SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}'")
    new = cursor.fetchone() is None
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (event_id integer PRIMARY KEY, groups text NOT NULL)"
    )
    for suffix, body in _sqlite_triggers():
        name = f"{TABLE}_{suffix}"
        if name not in triggers:
            cursor.execute(f'CREATE TRIGGER "{name}" {body}')
    if new or not {f"{TABLE}_{suffix}" for suffix, _ in _sqlite_triggers()} <= triggers:
        # New, or triggers were missing (a table rebuild dropped them): fill it again.
        cursor.execute(_sqlite_refresh("SELECT id FROM kb_event"))


def sqlite_uninstall(cursor):
    for suffix, _ in _sqlite_triggers():
        cursor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_{suffix}"')
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


# --- PostgreSQL ----------------------------------------------------------------------

_PG_GROUPS = _groups_of("e.id", "coalesce(string_agg(g, ' ' ORDER BY g), '')").format(
    group=_group("o.id::text")
)
_PG_REFRESH = "kb_eventgroups_refresh"


def _pg_functions():
    yield (
        f"CREATE OR REPLACE FUNCTION {_PG_REFRESH}(ids bigint[]) RETURNS void "
        # The joins in the order written: participations first, each then finding its
        # organisation by key. During a bulk load the statistics still describe empty
        # tables, and the planner put every published organisation outside the
        # participations instead (16 s to refresh 1,000 events at scale 2, not 20 ms).
        "LANGUAGE sql SET join_collapse_limit = 1 AS $$ "
        f"INSERT INTO {TABLE} (event_id, groups) "
        f"SELECT e.id, {_PG_GROUPS} FROM kb_event e WHERE e.id = ANY(ids) "
        "ON CONFLICT (event_id) DO UPDATE SET groups = EXCLUDED.groups $$"
    )
    # Statement triggers read the changed rows from transition tables: `new_rows`,
    # `old_rows`, or both for an update.
    sources = {
        "i": "SELECT event_id FROM new_rows",
        "d": "SELECT event_id FROM old_rows",
        "u": "SELECT event_id FROM new_rows UNION SELECT event_id FROM old_rows",
    }
    for op, select in sources.items():
        yield _pg_function(f"kb_eventgroups_p_{op}", select)
    yield _pg_function("kb_eventgroups_e_i", "SELECT id FROM new_rows")
    yield (
        "CREATE OR REPLACE FUNCTION kb_eventgroups_e_d() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN DELETE FROM {TABLE} WHERE event_id IN (SELECT id FROM old_rows); "
        "RETURN NULL; END $$"
    )
    for table, columns in _WATCHED.items():
        changed = " OR ".join(f"o2.{c} IS DISTINCT FROM n.{c}" for c in columns)
        ids = f"SELECT n.id FROM new_rows n INNER JOIN old_rows o2 ON o2.id = n.id WHERE {changed}"
        events = _EVENTS_OF[table].format(id=f"ANY(ARRAY({ids}))")
        yield _pg_function(f"kb_eventgroups_{table.removeprefix('kb_')}_u", events)


def _pg_function(name, events):
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM {_PG_REFRESH}(ARRAY({events})); RETURN NULL; END $$"
    )


def _pg_triggers():
    for op, verb, tables in (
        ("i", "INSERT", "NEW TABLE AS new_rows"),
        ("d", "DELETE", "OLD TABLE AS old_rows"),
        ("u", "UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
    ):
        yield f"p_{op}", "kb_participation", verb, tables
    yield "e_i", "kb_event", "INSERT", "NEW TABLE AS new_rows"
    yield "e_d", "kb_event", "DELETE", "OLD TABLE AS old_rows"
    for table in _WATCHED:
        yield (
            f"{table.removeprefix('kb_')}_u",
            table,
            "UPDATE",
            "NEW TABLE AS new_rows OLD TABLE AS old_rows",
        )


def pg_install(cursor, triggers):
    cursor.execute(f"SELECT to_regclass('{TABLE}') IS NULL")
    new = cursor.fetchone()[0]
    # No foreign key: Django's flush truncates kb_event alone, which a reference
    # would refuse. A deleted event's row goes by trigger; after a TRUNCATE, stale
    # rows are never read (reads join live event ids) and an inserted event
    # replaces its row.
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (event_id bigint PRIMARY KEY, groups text NOT NULL)"
    )
    for sql in _pg_functions():
        cursor.execute(sql)
    missing = False
    for suffix, table, verb, transition in _pg_triggers():
        name = f"{TABLE}_{suffix}"
        if name not in triggers:
            missing = True
            cursor.execute(
                f'CREATE TRIGGER "{name}" AFTER {verb} ON {table} REFERENCING {transition} '
                f"FOR EACH STATEMENT EXECUTE FUNCTION kb_eventgroups_{suffix}()"
            )
    if new or missing:
        cursor.execute(f"SELECT {_PG_REFRESH}(ARRAY(SELECT id FROM kb_event))")


def pg_uninstall(cursor):
    for suffix, table, _verb, _transition in _pg_triggers():
        cursor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_{suffix}" ON {table}')
        cursor.execute(f"DROP FUNCTION IF EXISTS kb_eventgroups_{suffix}()")
    cursor.execute(f"DROP FUNCTION IF EXISTS {_PG_REFRESH}(bigint[])")
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


# --- Reading -------------------------------------------------------------------------


def count_groups(cursor, events_sql, params):
    """Counter {group: events}: over the events `events_sql` selects (their ids), how many
    each group took part in. One query; a row per event."""
    cursor.execute(f"SELECT groups FROM {TABLE} WHERE event_id IN ({events_sql})", params)
    # One split and one count over all rows: a Counter.update() per event cost 3x more.
    return Counter(" ".join(row[0] for row in cursor.fetchall()).split())

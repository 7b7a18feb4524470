"""Each event's participant groups and each agreement's party groups, kept by the database:
what the map counts, read one row per event or agreement; and each event's
participants, topics, identifiers and citations as the API lists them
(`kb_eventparticipants`, `kb_eventtopiclist`, `kb_eventidentifiers`, `kb_eventcitations`:
JSON text, see JSONList below).

`kb_eventgroups` holds one row per event: `groups`, the distinct groups its
participations count for, space-separated. A group is a country's code
("FR"), or "#" and the id of an organisation without a country (an
international body); "*" follows when the group hosted the event ("MA*").
A participation counts for its organisation, else its post's, and only when
the public may see it: that organisation, and its person and post where it
names them, are published (the rule of kb.domain.cooperation._participations).

`kb_agreementgroups` holds the same for each agreement: the groups of its
parties whose organisation is published (the rule of
kb.domain.cooperation._parties). No group hosts an agreement.

Why: the map of three years at scale 100 read 125,000 participations, looked
up each one's organisation and sorted them all to count distinct events per
country (150 ms of SQL on SQLite). Read from here, the same map is one row
per event in scope, counted in Python (under 20 ms). Its agreements' side
joined 4,800 parties to their organisations and grouped them (14 ms on
SQLite; 45 ms on PostgreSQL, whose planner read all 100,000 organisations
for it); read from here it is one row per agreement.

Triggers keep them in step on every path (the ORM, bulk inserts, update(),
raw SQL): a change to an event's participations (an agreement's parties)
refreshes that event (agreement); a change to an organisation's country or
status, a person's status, or a post's status or organisation refreshes the
events and agreements they take part in (for the participants: an
organisation's, person's or post's slug or status; for the topics and citations, a
topic's or source's slug or status; an identifier or citation counts for the event
it names by content type and id). On SQLite they are row triggers; on
PostgreSQL statement triggers with transition tables, so a bulk insert
refreshes each row once. The tables are not Django models: they are
derived, like the search index, so nothing saves a stale copy over them, and
a table rebuild of kb_event or kb_agreement leaves them alone.
"""

import contextlib
from collections import Counter
from dataclasses import dataclass

from django.db import DatabaseError, transaction

from ..lib import identifiers as schemes

# kb.models.Status.PUBLISHED and Participation.Role.HOST: this package sits below the
# models; tests/db/test_groups.py checks that the values agree.
PUBLISHED = "published"
HOST = "host"


@dataclass(frozen=True)
class Kept:
    """One kept table: one row per `owner` (keyed by `key`), whose `column` is computed from
    the rows of `rows` that name it.

    `owners_of`: per table whose change moves the value, SQL for the owners that row
    takes part in (`{id}`: its key); `watched`: those tables' columns. Each kind says
    how its value is computed: `value(vendor)`, SQL over the owner aliased `e`.

    `rows_key`: the rows' column naming their owner, when it is not `key`;
    `rows_where`: SQL true of a row (`{row}`) that counts, when not all do (a
    generic relation's rows of one type).
    """

    table: str
    owner: str
    key: str
    rows: str
    owners_of: dict
    watched: dict
    column: str
    rows_key: str = ""
    rows_where: str = ""

    @property
    def owner_column(self):
        return self.rows_key or self.key

    def counts(self, row):
        """SQL true when the row aliased `row` counts (None: every row does)."""
        return self.rows_where.format(row=row) if self.rows_where else None

    def value(self, vendor):
        raise NotImplementedError


@dataclass(frozen=True)
class Groups(Kept):
    """The groups its rows count for, space-separated (the map's counts).

    `source`: the rows that give groups, aliased `p`, joined to the organisation each
    counts for as `o` (FROM ... ); `visible`: the rows the public may see; `host`: SQL
    true when the row's group hosted, or None.
    """

    source: str = ""
    visible: str = ""
    host: str | None = None
    column: str = "groups"

    def group(self, concat):
        """The group of a row, in SQL (concat: the vendor's text of an integer)."""
        star = f"(CASE WHEN {self.host} THEN '*' ELSE '' END)" if self.host else "''"
        return f"(CASE WHEN o.country = '' THEN '#' || {concat} ELSE o.country END) || {star}"

    def value(self, vendor):
        """A scalar subquery: the groups of the owner `e`, joined by spaces."""
        if vendor == "sqlite":
            aggregate, concat = "coalesce(group_concat(g, ' '), '')", "o.id"
        else:
            aggregate, concat = "coalesce(string_agg(g, ' ' ORDER BY g), '')", "o.id::text"
        return (
            f"(SELECT {aggregate} FROM (SELECT DISTINCT {self.group(concat)} AS g "
            f"{self.source}WHERE p.{self.owner_column} = e.id AND {self.visible}) AS x)"
        )


@dataclass(frozen=True)
class JSONList(Kept):
    """A JSON array of the owner's rows as the API lists them: objects of `members`
    ((key, SQL), ...), or, when the one member's key is "", its values. The rows are
    `source` (FROM ... WHERE ..., over the owner aliased `e`), in `order`.

    The text is compact, as orjson writes it, so that a renderer can write it as it is
    (lib.jsontext) and both databases keep the API's bytes: SQLite's json functions and
    PostgreSQL's to_json() escape strings as orjson does (tests/db/test_groups.py).
    """

    source: str = ""
    order: str = ""
    members: tuple = ()

    def value(self, vendor):
        scalar = len(self.members) == 1 and self.members[0][0] == ""
        if vendor == "sqlite":
            if scalar:
                item, element = self.members[0][1], "x.j"
            else:
                pairs = ", ".join(f"'{name}', {sql}" for name, sql in self.members)
                # json(): the object as JSON, not a string, once it leaves the subquery.
                item, element = f"json_object({pairs})", "json(x.j)"
            # The subquery's order is the array's: SQLite keeps a FROM subquery's ORDER
            # BY under an aggregate (before 3.44 there is no ORDER BY inside one).
            return (
                f"(SELECT coalesce(json_group_array({element}), '[]') FROM ("
                f"SELECT {item} AS j {self.source} ORDER BY {self.order}) AS x)"
            )

        # PostgreSQL's json_build_object() puts spaces around ":"; built from to_json()'s
        # escaped values, the text is compact, as orjson writes it.
        def quoted(sql):
            return f"coalesce(to_json({sql})::text, 'null')"

        if scalar:
            item = quoted(self.members[0][1])
        else:
            members = " || ',' || ".join(
                f"""'"{name}":' || {quoted(sql)}""" for name, sql in self.members
            )
            item = f"'{{' || {members} || '}}'"
        return (
            f"(SELECT '[' || coalesce(string_agg({item}, ',' ORDER BY {self.order}), '') "
            f"|| ']' {self.source})"
        )


def _content_type(model):
    """SQL for the id of a kb model's content type (a generic relation's rows name it)."""
    return f"(SELECT id FROM django_content_type WHERE app_label = 'kb' AND model = '{model}')"


def _identifier_url(alias):
    """SQL for the URL of the identifier aliased `alias`, as lib.identifiers.Scheme.url()
    formats it (one CASE per scheme, written from the schemes themselves)."""
    cases = []
    for key, scheme in schemes.SCHEMES.items():
        prefix, _mark, suffix = scheme.url_template.partition("{value}")
        cases.append(
            f"WHEN {_literal(key)} THEN {_literal(prefix)} || {alias}.value || {_literal(suffix)}"
        )
    return f"(CASE {alias}.scheme {' '.join(cases)} END)"


def _literal(text):
    return "'" + text.replace("'", "''") + "'"


EVENTS = Groups(
    table="kb_eventgroups",
    owner="kb_event",
    key="event_id",
    rows="kb_participation",
    # One group per visible participation; `o` is the organisation it counts for.
    source=(
        "FROM kb_participation p "
        "LEFT OUTER JOIN kb_person pe ON pe.id = p.person_id "
        "LEFT OUTER JOIN kb_post s ON s.id = p.post_id "
        "INNER JOIN kb_organisation o ON o.id = COALESCE(p.organisation_id, s.organisation_id) "
    ),
    visible=(
        f"(p.person_id IS NULL OR pe.status = '{PUBLISHED}') "
        f"AND (p.post_id IS NULL OR s.status = '{PUBLISHED}') "
        f"AND o.status = '{PUBLISHED}'"
    ),
    host=f"p.role = '{HOST}'",
    owners_of={
        "kb_organisation": (
            "SELECT event_id FROM kb_participation WHERE organisation_id = {id} "
            "UNION SELECT p.event_id FROM kb_participation p "
            "INNER JOIN kb_post s ON s.id = p.post_id WHERE s.organisation_id = {id}"
        ),
        "kb_person": "SELECT event_id FROM kb_participation WHERE person_id = {id}",
        "kb_post": "SELECT event_id FROM kb_participation WHERE post_id = {id}",
    },
    watched={
        "kb_organisation": ("country", "status"),
        "kb_person": ("status",),
        "kb_post": ("status", "organisation_id"),
    },
)

AGREEMENTS = Groups(
    table="kb_agreementgroups",
    owner="kb_agreement",
    key="agreement_id",
    rows="kb_agreementparty",
    source="FROM kb_agreementparty p INNER JOIN kb_organisation o ON o.id = p.organisation_id ",
    visible=f"o.status = '{PUBLISHED}'",
    host=None,
    owners_of={
        "kb_organisation": "SELECT agreement_id FROM kb_agreementparty WHERE organisation_id = {id}"
    },
    watched={"kb_organisation": ("country", "status")},
)

# An event's participants as the API lists them, in Meta's order (role, then id): the
# participations whose every named end is published (visibility.shown("organisation",
# "person", "post")). Why: a page of 50 events names about 960 participants; reading
# them joined to their three ends, then building a dict for each, was a third of the
# events list's time at scale 100 (1.6 ms of SQL and 1.5 of Python of 10.8).
PARTICIPANTS = JSONList(
    table="kb_eventparticipants",
    owner="kb_event",
    key="event_id",
    rows="kb_participation",
    column="participants",
    source=(
        "FROM kb_participation p "
        "LEFT OUTER JOIN kb_organisation o ON o.id = p.organisation_id "
        "LEFT OUTER JOIN kb_person pe ON pe.id = p.person_id "
        "LEFT OUTER JOIN kb_post po ON po.id = p.post_id "
        "WHERE p.event_id = e.id "
        f"AND (p.organisation_id IS NULL OR o.status = '{PUBLISHED}') "
        f"AND (p.person_id IS NULL OR pe.status = '{PUBLISHED}') "
        f"AND (p.post_id IS NULL OR po.status = '{PUBLISHED}')"
    ),
    order="p.role, p.id",
    members=(
        ("organisation", "o.slug"),
        ("person", "pe.slug"),
        ("post", "po.slug"),
        ("role", "p.role"),
    ),
    owners_of={
        "kb_organisation": "SELECT event_id FROM kb_participation WHERE organisation_id = {id}",
        "kb_person": "SELECT event_id FROM kb_participation WHERE person_id = {id}",
        "kb_post": "SELECT event_id FROM kb_participation WHERE post_id = {id}",
    },
    watched={
        "kb_organisation": ("slug", "status"),
        "kb_person": ("slug", "status"),
        "kb_post": ("slug", "status"),
    },
)

# An event's other relations as the API lists them. Why: they were three more queries
# and a dict per row; read with the participants, one row per event by key, the events
# case's request at scale 100 went from 15.8 to 13.6 million instructions.

# Its published topics, by slug (visibility.public("topic")).
EVENT_TOPICS = JSONList(
    table="kb_eventtopiclist",
    owner="kb_event",
    key="event_id",
    rows="kb_event_topics",
    column="topics",
    source=(
        "FROM kb_event_topics t INNER JOIN kb_topic tp ON tp.id = t.topic_id "
        f"WHERE t.event_id = e.id AND tp.status = '{PUBLISHED}'"
    ),
    order="tp.slug",
    members=(("", "tp.slug"),),
    owners_of={"kb_topic": "SELECT event_id FROM kb_event_topics WHERE topic_id = {id}"},
    watched={"kb_topic": ("slug", "status")},
)


def _generic_list(model, rows, column, **spec):
    """A JSONList of the rows of `rows` (a generic relation's table) that name a record of
    `model` (a kb model's name) by content type and object id."""
    return JSONList(
        table=f"kb_{model}{column}",
        owner=f"kb_{model}",
        key=f"{model}_id",
        rows=rows,
        rows_key="object_id",
        rows_where=f"{{row}}.content_type_id = {_content_type(model)}",
        column=column,
        **spec,
    )


def identifier_list(model):
    """A record's identifiers in other systems (`model`: a kb model's name), in Meta's
    order (scheme, value), each with its URL."""
    return _generic_list(
        model,
        "kb_identifier",
        "identifiers",
        source=(
            "FROM kb_identifier i "
            f"WHERE i.object_id = e.id AND i.content_type_id = {_content_type(model)}"
        ),
        order="i.scheme, i.value",
        members=(("scheme", "i.scheme"), ("value", "i.value"), ("url", _identifier_url("i"))),
        owners_of={},
        watched={},
    )


def citation_list(model):
    """A record's citations of published sources (`model`: a kb model's name), in
    citation order (citations.cited_quotes); an empty translation shows as null
    (fields.citation). A source's slug or status refreshes the records it is cited for."""
    content_type = _content_type(model)
    return _generic_list(
        model,
        "kb_citation",
        "citations",
        source=(
            "FROM kb_citation c INNER JOIN kb_source s ON s.id = c.source_id "
            f"WHERE c.object_id = e.id AND c.content_type_id = {content_type} "
            f"AND s.status = '{PUBLISHED}'"
        ),
        order="c.id",
        members=(
            ("source", "s.slug"),
            ("quote", "c.quote"),
            ("translation", "NULLIF(c.translation, '')"),
            ("translation_by", "NULLIF(c.translation_by, '')"),
        ),
        owners_of={
            "kb_source": (
                "SELECT object_id FROM kb_citation "
                f"WHERE source_id = {{id}} AND content_type_id = {content_type}"
            )
        },
        watched={"kb_source": ("slug", "status")},
    )


EVENT_IDENTIFIERS = identifier_list("event")
EVENT_CITATIONS = citation_list("event")

# An organisation's two lists, the same way: the organisations-by-region request at
# scale 100, 11.7 -> 11.0 million instructions.
ORGANISATION_IDENTIFIERS = identifier_list("organisation")
ORGANISATION_CITATIONS = citation_list("organisation")

# Each type's kept lists, in the API's order of its fields (relation_rows.kept_lists).
LISTS = {
    "kb_event": (EVENT_TOPICS, PARTICIPANTS, EVENT_IDENTIFIERS, EVENT_CITATIONS),
    "kb_organisation": (ORGANISATION_IDENTIFIERS, ORGANISATION_CITATIONS),
}

KEPT = (EVENTS, AGREEMENTS, *(kept for lists in LISTS.values() for kept in lists))


# --- SQLite --------------------------------------------------------------------------


def _readable(cursor, kept, vendor):
    """Whether the schema holds every table and column `kept`'s value reads.

    Not yet while the migrations before the last one it needs run (migration 0004
    installs what exists then): it is installed, and filled, by the post_migrate of the
    `migrate` that brings them (install.ensure_installed). Planned, never run.
    """
    try:
        # Atomic: on PostgreSQL a failed statement aborts the transaction around it.
        with transaction.atomic(using=cursor.db.alias):
            cursor.execute(f"EXPLAIN SELECT {kept.value(vendor)} FROM {kept.owner} e")
    except DatabaseError:
        return False
    return True


def _sqlite_refresh(kept, owners):
    """Refresh the kept value of the owners selected by `owners` (SQL giving their ids).

    A delete, then an insert, not INSERT OR REPLACE: in a trigger, the statement that
    fired it imposes its own conflict policy, and Django adds many-to-many rows (an
    event's topics) with INSERT OR IGNORE, under which a REPLACE kept the stale row.
    """
    return (
        f"DELETE FROM {kept.table} WHERE {kept.key} IN ({owners});",
        f"INSERT INTO {kept.table} ({kept.key}, {kept.column}) "
        f"SELECT e.id, {kept.value('sqlite')} FROM {kept.owner} e WHERE e.id IN ({owners});",
    )


def _sqlite_triggers(kept):
    def refresh(owners):
        return " ".join(_sqlite_refresh(kept, owners))

    def when(*rows):
        # Only the rows that count (rows_where) refresh their owner; for an update,
        # when it counted before or counts now.
        if not kept.rows_where:
            return ""
        return "WHEN " + " OR ".join(f"({kept.counts(row)})" for row in rows) + " "

    key = kept.owner_column
    yield "p_i", f"AFTER INSERT ON {kept.rows} {when('NEW')}BEGIN {refresh(f'NEW.{key}')} END"
    yield "p_d", f"AFTER DELETE ON {kept.rows} {when('OLD')}BEGIN {refresh(f'OLD.{key}')} END"
    yield (
        "p_u",
        f"AFTER UPDATE ON {kept.rows} {when('OLD', 'NEW')}"
        f"BEGIN {refresh(f'OLD.{key}, NEW.{key}')} END",
    )
    yield "e_i", f"AFTER INSERT ON {kept.owner} BEGIN {refresh('NEW.id')} END"
    yield (
        "e_d",
        f"AFTER DELETE ON {kept.owner} BEGIN "
        f"DELETE FROM {kept.table} WHERE {kept.key} = OLD.id; END",
    )
    for table, columns in kept.watched.items():
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        owners = " UNION ".join(
            kept.owners_of[table].format(id=side) for side in ("OLD.id", "NEW.id")
        )
        yield (
            f"{table.removeprefix('kb_')}_u",
            f"AFTER UPDATE OF {', '.join(columns)} ON {table} WHEN {changed} "
            f"BEGIN {refresh(owners)} END",
        )


def sqlite_install(cursor, triggers):
    """Each table, its triggers (`triggers`: those present), and a first fill when it is new."""
    for kept in KEPT:
        if not _readable(cursor, kept, "sqlite"):
            continue
        cursor.execute(
            f"SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{kept.table}'"
        )
        new = cursor.fetchone() is None
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {kept.table} "
            f"({kept.key} integer PRIMARY KEY, {kept.column} text NOT NULL)"
        )
        names = {f"{kept.table}_{suffix}": body for suffix, body in _sqlite_triggers(kept)}
        for name, body in names.items():
            if name not in triggers:
                cursor.execute(f'CREATE TRIGGER "{name}" {body}')
        if new or not set(names) <= triggers:
            # New, or triggers were missing (a table rebuild dropped them): fill it again.
            for statement in _sqlite_refresh(kept, f"SELECT id FROM {kept.owner}"):
                cursor.execute(statement)


def sqlite_uninstall(cursor):
    for kept in KEPT:
        for suffix, _ in _sqlite_triggers(kept):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{kept.table}_{suffix}"')
        cursor.execute(f"DROP TABLE IF EXISTS {kept.table}")


# --- PostgreSQL ----------------------------------------------------------------------


def _pg_refresh(kept):
    return f"{kept.table}_refresh"


def _pg_functions(kept):
    yield (
        f"CREATE OR REPLACE FUNCTION {_pg_refresh(kept)}(ids bigint[]) RETURNS void "
        # The joins in the order written: the rows first, each then finding its
        # organisation by key. During a bulk load the statistics still describe empty
        # tables, and the planner put every published organisation outside the
        # participations instead (16 s to refresh 1,000 events at scale 2, not 20 ms).
        # plpgsql, not sql: a sql function with a SET clause is planned again at every
        # call, and each trigger calls one (a citation's insert 8.8 -> 14.9 ms with them);
        # plpgsql keeps the plan for the session. No owner among the rows, no statement.
        "LANGUAGE plpgsql SET join_collapse_limit = 1 AS $$ BEGIN "
        "IF cardinality(ids) > 0 THEN "
        f"INSERT INTO {kept.table} ({kept.key}, {kept.column}) "
        f"SELECT e.id, {kept.value('postgresql')} FROM {kept.owner} e WHERE e.id = ANY(ids) "
        f"ON CONFLICT ({kept.key}) DO UPDATE SET {kept.column} = EXCLUDED.{kept.column}; "
        "END IF; END $$"
    )

    # Statement triggers read the changed rows from transition tables: `new_rows`,
    # `old_rows`, or both for an update.
    def select(rows):
        # The owners of the rows that count (rows_where).
        where = f" WHERE {kept.counts(rows)}" if kept.rows_where else ""
        return f"SELECT {kept.owner_column} FROM {rows}{where}"

    sources = {
        "i": select("new_rows"),
        "d": select("old_rows"),
        "u": f"{select('new_rows')} UNION {select('old_rows')}",
    }
    for op, select in sources.items():
        yield _pg_function(kept, f"{kept.table}_p_{op}", select)
    yield _pg_function(kept, f"{kept.table}_e_i", "SELECT id FROM new_rows")
    yield (
        f"CREATE OR REPLACE FUNCTION {kept.table}_e_d() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN DELETE FROM {kept.table} WHERE {kept.key} IN (SELECT id FROM old_rows); "
        "RETURN NULL; END $$"
    )
    for table, columns in kept.watched.items():
        changed = " OR ".join(f"o2.{c} IS DISTINCT FROM n.{c}" for c in columns)
        ids = f"SELECT n.id FROM new_rows n INNER JOIN old_rows o2 ON o2.id = n.id WHERE {changed}"
        owners = kept.owners_of[table].format(id=f"ANY(ARRAY({ids}))")
        yield _pg_function(kept, f"{kept.table}_{table.removeprefix('kb_')}_u", owners)


def _pg_function(kept, name, owners):
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM {_pg_refresh(kept)}(ARRAY({owners})); RETURN NULL; END $$"
    )


def _pg_triggers(kept):
    for op, verb, tables in (
        ("i", "INSERT", "NEW TABLE AS new_rows"),
        ("d", "DELETE", "OLD TABLE AS old_rows"),
        ("u", "UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
    ):
        yield f"p_{op}", kept.rows, verb, tables
    yield "e_i", kept.owner, "INSERT", "NEW TABLE AS new_rows"
    yield "e_d", kept.owner, "DELETE", "OLD TABLE AS old_rows"
    for table in kept.watched:
        yield (
            f"{table.removeprefix('kb_')}_u",
            table,
            "UPDATE",
            "NEW TABLE AS new_rows OLD TABLE AS old_rows",
        )


def pg_install(cursor, triggers):
    for kept in KEPT:
        if not _readable(cursor, kept, "postgresql"):
            continue
        cursor.execute(f"SELECT to_regclass('{kept.table}') IS NULL")
        new = cursor.fetchone()[0]
        # No foreign key: Django's flush truncates kb_event alone, which a reference
        # would refuse. A deleted owner's row goes by trigger; after a TRUNCATE, stale
        # rows are never read (reads join live ids) and an inserted owner replaces its row.
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {kept.table} "
            f"({kept.key} bigint PRIMARY KEY, {kept.column} text NOT NULL)"
        )
        for sql in _pg_functions(kept):
            cursor.execute(sql)
        missing = False
        for suffix, table, verb, transition in _pg_triggers(kept):
            name = f"{kept.table}_{suffix}"
            if name not in triggers:
                missing = True
                cursor.execute(
                    f'CREATE TRIGGER "{name}" AFTER {verb} ON {table} REFERENCING {transition} '
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {kept.table}_{suffix}()"
                )
        if new or missing:
            cursor.execute(f"SELECT {_pg_refresh(kept)}(ARRAY(SELECT id FROM {kept.owner}))")


@contextlib.contextmanager
def refreshed_after(connection, table):
    """Within: rows written to `table` (kb_participation, kb_agreementparty) do not refresh
    the kept tables they feed; on leaving, every owner of those is refreshed once, on
    the table's fresh statistics. PostgreSQL only (SQLite's row triggers run as
    usual), inside a transaction, so that a failure leaves the triggers enabled.

    For a bulk load (manage.py synthesize). With a refresh per statement, at scale 100
    (1,000,000 participations in batches of 5,000) the batches grew from 2 to 6 s and
    the load had not finished in 14 minutes, though refreshing 2,000 events afterwards
    took well under a second; why each batch's refreshes slowed as the table filled
    was not pinned down. Refreshing every owner once after the load: 339 s in all.
    """
    kept = [k for k in KEPT if k.rows == table]
    if connection.vendor != "postgresql" or not kept:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("refreshed_after() runs inside a transaction.")
    triggers = [f'"{k.table}_p_{op}"' for k in kept for op in "idu"]
    with connection.cursor() as cursor:
        _switch(cursor, table, triggers, "DISABLE")
    yield
    with connection.cursor() as cursor:
        _switch(cursor, table, triggers, "ENABLE")
        cursor.execute(f"ANALYZE {table}")
        for k in kept:
            cursor.execute(f"SELECT {_pg_refresh(k)}(ARRAY(SELECT id FROM {k.owner}))")


def _switch(cursor, table, triggers, action):
    # Foreign-key checks of rows written earlier in the transaction wait for the commit
    # (Django's are deferred), and PostgreSQL alters no table with checks pending: they
    # run now instead, and later statements' wait again, as all of Django's do.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name in triggers:
        cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {name}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def pg_uninstall(cursor):
    for kept in KEPT:
        for suffix, table, _verb, _transition in _pg_triggers(kept):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{kept.table}_{suffix}" ON {table}')
            cursor.execute(f"DROP FUNCTION IF EXISTS {kept.table}_{suffix}()")
        cursor.execute(f"DROP FUNCTION IF EXISTS {_pg_refresh(kept)}(bigint[])")
        cursor.execute(f"DROP TABLE IF EXISTS {kept.table}")


# --- Reading -------------------------------------------------------------------------


def count_groups(cursor, owners_sql, params, kept=EVENTS):
    """Counter {group: owners}: over the events (or agreements, `kept`) that `owners_sql`
    selects (their ids), how many each group took part in. One query; a row per owner."""
    cursor.execute(f"SELECT groups FROM {kept.table} WHERE {kept.key} IN ({owners_sql})", params)
    # One split and one count over all rows: a Counter.update() per event cost 3x more.
    return Counter(" ".join(row[0] for row in cursor.fetchall()).split())

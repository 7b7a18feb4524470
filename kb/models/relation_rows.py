"""A page's relations read in SQL compiled once per database alias: the lists the
database keeps for events (participants, topics, identifiers, citations) and
organisations (identifiers, citations), and the topics of agreements.

Building these querysets through the ORM cost several times their execution on
every list page (kb/api/projections.py reads them). Each function states the
visibility rule it writes in SQL, and a test holds the two to the same rows.
"""

import functools

import orjson
from django.db import connections

from ..db import groups
from ..db.idlists import IDS, IN_IDS, rows_for_ids
from ..lib.jsontext import JSONText
from .visibility import PUBLIC


def kept_lists(model, ids, alias=None, as_text=False):
    """{column: {record id: list}} for each list the database keeps for `model`'s
    records (kb/db/groups.py, LISTS: an event's `topics`, `participants`,
    `identifiers` and `citations`; an organisation's `identifiers` and `citations`), of
    the records `ids` that have them, as the API gives them; with `as_text`, each list
    as the JSON text the database keeps (lib.jsontext.JSONText), for a renderer that
    writes it as it is.

    One query, one row per record: an event's topics, identifiers and citations were
    three more queries and a dict per row (the events case's request at scale 100,
    15.8 -> 13.6 million instructions read from here). Each
    list's rule is written in kb/db/groups.py beside the ORM's it repeats (the API's
    visibility), and tests/models/test_event_lists.py and test_participant_rows.py hold
    the two to the same rows on every path that changes them.
    """
    lists = groups.LISTS[model._meta.db_table]
    found = {kept.column: {} for kept in lists}
    if not ids:
        return found
    connection = connections[alias or "default"]
    parse = JSONText if as_text else orjson.loads
    columns = [found[kept.column] for kept in lists]
    for record, *texts in rows_for_ids(connection, kept_lists_sql(model), ids):
        for column, text in zip(columns, texts, strict=True):
            # An empty list, as most identifiers' are, as a list: the renderer then
            # writes it without calling back for a fragment.
            column[record] = [] if text == "[]" else parse(text)
    return found


@functools.cache
def kept_lists_sql(model):
    """The SQL kept_lists() runs for `model` (IN_IDS where the ids go)."""
    first, *others = groups.LISTS[model._meta.db_table]
    # The first table's rows by key, then each other's by the same key.
    joins = " ".join(
        f"INNER JOIN {kept.table} k{n} ON k{n}.{kept.key} = k0.{first.key}"
        for n, kept in enumerate(others, start=1)
    )
    columns = ", ".join(f"k{n}.{kept.column}" for n, kept in enumerate([first, *others]))
    return (
        f"SELECT k0.{first.key}, {columns} FROM {first.table} k0 {joins} "
        f"WHERE k0.{first.key} {IN_IDS}"
    )


def topic_rows(model, ids, alias=None):
    """[(record id, topic slug)] of the published topics tagging `model`'s records `ids`
    (events or agreements), by slug.

    One query, in SQL compiled once per database alias and model, as
    citations.cited_quotes(): through the ORM, building it cost twice its execution
    (0.72 ms against 0.25 for a page of 50 events at scale 100). The rule is
    visibility.public("topic"); tests/models/test_topic_rows.py holds the two
    to the same rows.
    """
    if not ids:
        return []
    connection = connections[alias or "default"]
    return rows_for_ids(connection, _topics_sql(connection.alias, model), ids, before=[PUBLIC])


@functools.cache
def _topics_sql(alias, model):
    connection = connections[alias]
    qn = connection.ops.quote_name
    field = model._meta.get_field("topics")
    through = qn(field.remote_field.through._meta.db_table)
    owner, topic = qn(field.m2m_column_name()), qn(field.m2m_reverse_name())
    # The page's records' tags first, then each tag's topic by key. Without
    # statistics, SQLite's planner starts from the published topics (an index
    # on status) and probes every record for each: 0.27 ms against 0.06 for a
    # page of 50 events at scale 100. Its CROSS JOIN keeps the order written.
    join = "CROSS JOIN" if connection.vendor == "sqlite" else "INNER JOIN"
    return (
        f"SELECT t.{owner}, tp.slug FROM {through} t "
        f"{join} {qn(field.related_model._meta.db_table)} tp ON tp.id = t.{topic} "
        f"WHERE tp.status = %s AND t.{owner} IN ({IDS}) ORDER BY tp.slug, t.{owner}"
    )

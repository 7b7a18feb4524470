"""A page's relations read in SQL compiled once per database alias: an events page's
participants (as the database keeps them) and the topics of events and agreements.

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


def participant_lists(event_ids, alias=None, as_text=False):
    """{event id: [{"organisation", "person", "post", "role"}, ...]} of the events
    `event_ids` that have a row: the participations the public may see, in Meta's order,
    each end by slug (or None). With `as_text`, each list as the JSON text the database
    keeps (lib.jsontext.JSONText), for a renderer that writes it as it is.

    Read from the list the database keeps for each event (kb/db/groups.py,
    Participants), one row per event: joining a page's 960 participations to
    their ends and building a dict for each cost a third of an events page. The
    rule is visibility.shown("organisation", "person", "post"), each end the row
    names published; tests/models/test_participant_rows.py holds the two to the
    same rows on every path that changes them.
    """
    if not event_ids:
        return {}
    connection = connections[alias or "default"]
    rows = rows_for_ids(connection, _PARTICIPANTS_SQL, event_ids)
    if as_text:
        return {event: JSONText(text) for event, text in rows}
    return {event: orjson.loads(text) for event, text in rows}


_PARTICIPANTS_SQL = (
    f"SELECT {groups.PARTICIPANTS.key}, {groups.PARTICIPANTS.column} "
    f"FROM {groups.PARTICIPANTS.table} WHERE {groups.PARTICIPANTS.key} {IN_IDS}"
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

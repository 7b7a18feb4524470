"""A page's relations read in SQL compiled once per database alias: an events page's
participants and the topics of events and agreements.

Building these querysets through the ORM cost several times their execution on
every list page (kb/api/projections.py reads them). Each function states the
visibility rule it writes in SQL, and a test holds the two to the same rows.
"""

import functools

from django.db import connections

from ..db.idlists import IDS, rows_for_ids
from .actors import Organisation, Person, Post
from .base import reference_index_name
from .events import Participation
from .visibility import PUBLIC


def participant_rows(event_ids, alias=None):
    """[(event id, organisation slug, person slug, post slug, role)] of the events
    `event_ids`: the participations the public may see, in Meta's order within each event.

    One query, in SQL compiled once per database alias (as citations.cited_quotes):
    on a page of 50 events with their 955 participants, building it through the
    ORM and reading its rows through the ORM's converters cost a tenth of the
    request. The rule is visibility.shown("organisation", "person", "post"): each
    end the row names is published; tests/models/test_participant_rows.py holds
    the two to the same rows.
    """
    if not event_ids:
        return []
    connection = connections[alias or "default"]
    sql = _participants_sql(connection.alias)
    return rows_for_ids(connection, sql, event_ids, after=[PUBLIC, PUBLIC, PUBLIC])


@functools.cache
def _participants_sql(alias):
    connection = connections[alias]
    qn = connection.ops.quote_name

    def joined(model, name):
        # Its slug and status from its reference index alone (base.reference_index):
        # SQLite's planner would read the table's row by its key unless told.
        table = f"{qn(model._meta.db_table)} {name}"
        if connection.vendor == "sqlite":
            table += f" INDEXED BY {qn(reference_index_name(model._meta.model_name))}"
        return table

    return (
        "SELECT p.event_id, o.slug, pe.slug, po.slug, p.role "
        f"FROM {qn(Participation._meta.db_table)} p "
        f"LEFT OUTER JOIN {joined(Organisation, 'o')} ON o.id = p.organisation_id "
        f"LEFT OUTER JOIN {joined(Person, 'pe')} ON pe.id = p.person_id "
        f"LEFT OUTER JOIN {joined(Post, 'po')} ON po.id = p.post_id "
        f"WHERE p.event_id IN ({IDS}) "
        "AND (p.organisation_id IS NULL OR o.status = %s) "
        "AND (p.person_id IS NULL OR pe.status = %s) "
        "AND (p.post_id IS NULL OR po.status = %s) "
        "ORDER BY p.event_id, p.role, p.id"
    )


def topic_rows(model, ids, alias=None):
    """[(record id, topic slug)] of the published topics tagging `model`'s records `ids`
    (events or agreements), by slug.

    One query, in SQL compiled once per database alias and model, as
    participant_rows(): through the ORM, building it cost twice its execution
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

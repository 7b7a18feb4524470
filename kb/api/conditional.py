"""Conditional GET: the ETag and Last-Modified of a response, from one query on one row.

Nothing here reads the rows a response lists, so its cost does not grow
with them. The data version (kb/db/version.py) is renewed by every change,
deletions of join rows and citations included, and keys the ETag; each
table's latest `updated_at` gives Last-Modified.
"""

import datetime

from django.db import connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .. import registry
from ..db.version import VERSION_TABLE, version_expression

# Every table whose rows show up in some response: the latest change of any
# of them is the response's Last-Modified.
CHANGE_TABLES = tuple(entry.model for entry in registry.TYPES)


FINGERPRINT_SQL = {}


def fingerprint_sql(connection):
    """One query: the data version, when it changed, and each table's latest `updated_at`.

    Written once per database: each `max(updated_at)` reads the end of an
    index, so nothing here grows with the rows a response lists.
    """
    sql = FINGERPRINT_SQL.get(connection.alias)
    if sql is None:
        qn = connection.ops.quote_name
        latest = ", ".join(
            f"(SELECT max(updated_at) FROM {qn(model._meta.db_table)})" for model in CHANGE_TABLES
        )
        sql = FINGERPRINT_SQL[connection.alias] = (
            f"SELECT ({version_expression(connection.vendor)}), changed_at, {latest} "
            f"FROM {VERSION_TABLE} WHERE id = 1"
        )
    return sql


def as_datetime(value):
    """A timestamp as the database returns it in raw SQL (text on SQLite), made aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def fingerprint():
    """The data version and when anything last changed: one query, on one row.

    The latest `updated_at` of each table (an index lookup) and the version's
    own time give Last-Modified.
    """
    connection = connections[CHANGE_TABLES[0].objects.db]
    with connection.cursor() as cursor:
        cursor.execute(fingerprint_sql(connection))
        row = cursor.fetchone()
    if row is None:
        return {"token": None, "changes": []}
    return {"token": row[0], "changes": [as_datetime(v) for v in row[1:] if v is not None]}

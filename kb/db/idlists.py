"""Rows for a list of record ids, from SQL written once per database alias.

A page's relations (its citations, identifiers, an events page's
participants) are read with SQL built once per alias (functools.cache),
not through the ORM per request: building those querysets cost several
times their execution on every list page. The SQL holds `%(ids)s` where the
ids go; this fills in one placeholder per id and runs it.
"""

IDS = "%(ids)s"


def rows_for_ids(connection, sql, ids, before=(), after=()):
    """The rows of `sql` with `ids` in place of IDS: parameters `before`, the ids, `after`."""
    sql = sql.replace(IDS, ", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*before, *ids, *after])
        return cursor.fetchall()

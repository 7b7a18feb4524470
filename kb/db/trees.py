"""Rows and everything below them in a table that points at itself (an event and its parts).

One recursive query, written once for SQLite and PostgreSQL alike (both read
`WITH RECURSIVE` inside an `IN (...)` subquery), so a tree of any depth costs
one statement and never a query per level. `UNION` (not `UNION ALL`) drops a
row already reached, so a cycle that slipped past validation ends the walk
instead of looping.
"""

from django.db.models.expressions import RawSQL


def subtree(table, parent_column, root_ids, where_column=None, where_value=None):
    """An expression selecting the ids of `root_ids` and of every row below them.

    A child is followed only when `where_column` equals `where_value` (the
    published status), so nothing is reached through a row that fails it.
    Use it as `queryset.filter(pk__in=subtree(...))`.
    """
    roots = list(root_ids)
    if not roots:
        return RawSQL("SELECT NULL WHERE 1 = 0", [])
    marks = ", ".join(["%s"] * len(roots))
    condition, params = "", [*roots]
    if where_column is not None:
        condition = f' WHERE child."{where_column}" = %s'
        params.append(where_value)
    sql = (
        f'WITH RECURSIVE tree(id) AS (SELECT id FROM "{table}" WHERE id IN ({marks}) '
        f'UNION SELECT child.id FROM "{table}" child '
        f'INNER JOIN tree ON child."{parent_column}" = tree.id{condition}) '
        "SELECT id FROM tree"
    )
    return RawSQL(sql, params)

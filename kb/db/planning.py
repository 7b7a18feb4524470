"""Hints to SQLite's planner, which plans without statistics unless ANALYZE has run.

`Unindexed(value)` is the value itself; on SQLite `+value`, which the planner
will not look up in an index. A condition that matches most rows (a status:
most records are published) then stops being where a query starts: it starts
from the narrow one beside it (an organisation's participations, a list of
keys), as PostgreSQL, with its statistics, does by itself.
"""

from django.db.models import Func


class Unindexed(Func):
    """The value itself; on SQLite `+value`, which its planner will not look up in an index."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


def walk_is_cheaper(found, page, rows, cost, page_min=1):
    """Whether a page of `page` rows among `found` rows that a query keeps, of a table of
    about `rows`, costs less by walking the list's order than by reading the rows kept
    and sorting them.

    The rows kept, read through another index and sorted, cost in proportion to
    `found`; the walk reaches a page after some page * rows / found rows of the order,
    if the rows kept are spread along it. So the walk pays when found² >= cost * page *
    rows, `cost` being what the walk pays a row it passes over what reading a row kept
    and sorting it does. A search's rows found (search.walk_is_cheaper) and a narrow
    filter's rows (sorted_by_key) each have theirs.
    """
    return page >= page_min and found * found >= cost * page * rows


# What walking a list's order costs per row it passes (reading the row to test its
# filters: about 1 us), over what a row kept costs read through its filter's index and
# sorted under the names' collation (4.5 us): organisations at scale 100.
FILTER_WALK_COST = 0.22


def sorted_by_key(sql, table, connection, count, page, rows):
    """`sql`, a page of `page` rows of a published list whose filters keep `count` of a
    table of about `rows`, as SQLite should read it: unchanged, or with its status test
    unindexed (`+status`); None if the status test is not found once.

    SQLite plans without statistics: a page in the list's order walks the index of that
    order (status, then name) and tests each row's filters until the page is full. That
    suits filters that keep many rows; for a narrow one it reads most of the table for
    a page: one country's academies among 100,000 organisations, 90 ms for 34 rows.
    With `+status` the walk is no longer a lookup, and SQLite starts from a filter's own
    index (the country's) and sorts the rows kept: 0.3 ms. Which one, walk_is_cheaper()
    says, with FILTER_WALK_COST: by key up to about 1,050 rows kept of 100,000 for a
    page of 50 (at most some 5 ms of sorting; the walk past it passes at most some
    5,000 rows).
    """
    if connection.vendor != "sqlite" or walk_is_cheaper(count, page, rows, FILTER_WALK_COST):
        return sql
    qn = connection.ops.quote_name
    status = f"{qn(table)}.{qn('status')} = %s"
    if sql.count(status) != 1:
        return None
    return sql.replace(status, f"+{status}")

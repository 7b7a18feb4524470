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

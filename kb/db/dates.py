"""Day arithmetic in the databases' own SQL, for indexes on date windows.

Django's date arithmetic calls Python functions on SQLite
(`django_format_dtdelta`, `django_timestamp_diff`), which an index cannot
hold, which other readers of the file (Datasette, the sqlite3 shell) do
not have, and which give a datetime where a date is compared. These use
julianday() and date() on SQLite and date arithmetic on PostgreSQL, so an
index on SpanDays holds the very expression LongestSpan and raw SQL ask for.
"""

from django.db import NotSupportedError
from django.db.models import DateField, Expression, FloatField, Func


def span_sql(vendor, start, end):
    """SQL for the days from `start` to `end` (SQL expressions): 0 for a one-day window."""
    if vendor == "sqlite":
        return f"(julianday({end}) - julianday({start}))"
    if vendor == "postgresql":
        return f"({end} - {start})"
    raise NotSupportedError(f"No day arithmetic for {vendor}")


class SpanDays(Func):
    """The days from `start` to `end` of a window; NULL if either is. Indexable on both."""

    arity = 2
    output_field = FloatField()  # a whole REAL on SQLite, an integer on PostgreSQL

    def as_sql(self, compiler, connection, **extra_context):
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return span_sql(connection.vendor, start_sql, end_sql), (*end_params, *start_params)


class DaysBefore(Func):
    """The day `days` days before `day`, as the column compares it (a date, or SQLite's
    'YYYY-MM-DD' text); NULL if either is."""

    arity = 2
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        day, days = self.source_expressions
        day_sql, day_params = compiler.compile(day)
        days_sql, days_params = compiler.compile(days)
        if connection.vendor == "sqlite":
            sql = f"date({day_sql}, '-' || ({days_sql}) || ' days')"
        elif connection.vendor == "postgresql":
            sql = f"(CAST({day_sql} AS date) - CAST({days_sql} AS integer))"
        else:
            raise NotSupportedError(f"No day arithmetic for {connection.vendor}")
        return sql, (*day_params, *days_params)


# --- The longest span of a table's windows ---------------------------------------------


def longest_span_function(table):
    return f"{table}_longest_span"


class LongestSpan(Expression):
    """The longest span in days of any row's window in `table` (0 if none has one).

    Read at once from an index on SpanDays(start, end) of that table. On
    SQLite a subquery. On PostgreSQL a STABLE function running the same
    query (pg_install): the planner evaluates a stable function to estimate
    the rows a condition keeps, whereas a subquery is an unknown to it, which
    it takes to keep 0.5% of a date range; underestimated so, a small table's
    range is read whole and sorted rather than in order up to a page.
    """

    output_field = FloatField()

    def __init__(self, table, start_column, end_column):
        super().__init__()
        self.table, self.start_column, self.end_column = table, start_column, end_column

    def as_sql(self, compiler, connection, **extra_context):
        quote = connection.ops.quote_name
        if connection.vendor == "postgresql":
            return f"{quote(longest_span_function(self.table))}()", ()
        span = span_sql(connection.vendor, quote(self.start_column), quote(self.end_column))
        return f"(SELECT coalesce(max({span}), 0) FROM {quote(self.table)})", ()


def pg_install(cursor, table, start_column, end_column):
    """The function LongestSpan calls on PostgreSQL (idempotent)."""
    span = span_sql("postgresql", f'"{start_column}"', f'"{end_column}"')
    cursor.execute(
        f'CREATE OR REPLACE FUNCTION "{longest_span_function(table)}"() RETURNS integer '
        "LANGUAGE sql STABLE PARALLEL SAFE AS "
        f'$$ SELECT coalesce(max({span}), 0) FROM "{table}" $$'
    )


def pg_uninstall(cursor, table):
    cursor.execute(f'DROP FUNCTION IF EXISTS "{longest_span_function(table)}"()')

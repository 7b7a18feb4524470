"""Day arithmetic in the databases' own SQL (kb/db/dates.py), and the index it reads.

On SQLite and PostgreSQL alike (CI runs the suite on both): the days a
window spans, a day less some days across month, leap-day and year ends,
the longest span of a table, read from its index, and on PostgreSQL the
STABLE function that reads it.
"""

import datetime

import pytest
from django.db import connection
from django.db.models import DateField, Value

from kb.db import dates
from kb.models import Event, Status
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def longest():
    table = Event._meta.db_table
    value = (
        Event.objects.annotate(longest=dates.LongestSpan(table, "start_date", "end_date"))
        .values_list("longest", flat=True)
        .first()
    )
    return None if value is None else int(value)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (D(2025, 11, 24), D(2025, 11, 24), 0),
        (D(2025, 11, 24), D(2025, 11, 27), 3),
        (D(2024, 2, 27), D(2024, 3, 1), 3),  # across a leap day
        (D(2023, 2, 27), D(2023, 3, 1), 2),
        (D(1999, 12, 31), D(2000, 1, 1), 1),
        (D(2015, 1, 1), D(2018, 12, 31), 1460),
    ],
)
def test_the_days_a_window_spans(start, end, days):
    event = factories.EventFactory(start_date=start, end_date=end)
    span = (
        Event.objects.filter(pk=event.pk)
        .annotate(span=dates.SpanDays("start_date", "end_date"))
        .values_list("span", flat=True)
        .get()
    )
    assert span == days


def test_an_undated_window_spans_nothing():
    event = factories.EventFactory(start_date=None, end_date=None)
    rows = Event.objects.filter(pk=event.pk).annotate(span=dates.SpanDays("start_date", "end_date"))
    assert rows.values_list("span", flat=True).get() is None


@pytest.mark.parametrize(
    ("day", "days", "before"),
    [
        (D(2010, 1, 1), 3, D(2009, 12, 29)),
        (D(2010, 1, 1), 0, D(2010, 1, 1)),
        (D(2024, 3, 1), 1, D(2024, 2, 29)),
        (D(2023, 3, 1), 1, D(2023, 2, 28)),
        (D(2010, 1, 1), 3.0, D(2009, 12, 29)),  # SQLite's spans are whole REALs
        (D(2020, 6, 15), 1461, D(2016, 6, 15)),  # four years, one leap day
    ],
)
def test_a_day_less_some_days(day, days, before):
    event = factories.EventFactory()
    found = (
        Event.objects.filter(pk=event.pk)
        .annotate(before=dates.DaysBefore(Value(day, DateField()), Value(days)))
        .values_list("before", flat=True)
        .get()
    )
    # SQLite hands back its 'YYYY-MM-DD' text: the date the column compares against.
    assert str(found) == before.isoformat()


def test_a_day_less_some_days_compares_with_the_date_column():
    on_the_day = factories.EventFactory(start_date=D(2009, 12, 29), end_date=D(2009, 12, 29))
    factories.EventFactory(start_date=D(2009, 12, 28), end_date=D(2009, 12, 28))
    bound = dates.DaysBefore(Value(D(2010, 1, 1), DateField()), Value(3))
    assert list(Event.objects.filter(start_date__gte=bound)) == [on_the_day]


def test_the_longest_span_counts_every_row_drafts_and_undated_ones_too():
    assert longest() is None  # no row to annotate
    factories.EventFactory(start_date=None, end_date=None)
    assert longest() == 0  # rows, none dated
    factories.EventFactory(start_date=D(2020, 1, 1), end_date=D(2020, 1, 4))
    factories.EventFactory(start_date=D(2000, 1, 1), end_date=D(2000, 3, 1), status=Status.DRAFT)
    assert longest() == 60


def test_the_span_index_is_in_the_database():
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Event._meta.db_table)
    assert indexes["kb_event_span"]["index"]


def test_the_longest_span_is_read_from_the_index():
    factories.EventFactory()
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            span = dates.span_sql("sqlite", "start_date", "end_date")
            cursor.execute(f"EXPLAIN QUERY PLAN SELECT coalesce(max({span}), 0) FROM {table}")
        else:
            # The function's own query; a table this small would be scanned otherwise.
            cursor.execute("SET LOCAL enable_seqscan = off")
            span = dates.span_sql("postgresql", "start_date", "end_date")
            cursor.execute(f"EXPLAIN SELECT coalesce(max({span}), 0) FROM {table}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "kb_event_span" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's function")
def test_postgresql_reads_it_through_a_stable_function():
    function = dates.longest_span_function(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT provolatile FROM pg_proc WHERE proname = %s", [function])
        # STABLE: the planner evaluates it to estimate a date range, and may not cache it.
        assert cursor.fetchall() == [("s",)]
        factories.EventFactory(start_date=D(2020, 1, 1), end_date=D(2020, 1, 11))
        cursor.execute(f'SELECT "{function}"()')
        assert cursor.fetchone() == (10,)
        dates.pg_uninstall(cursor, Event._meta.db_table)
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = %s", [function])
        assert cursor.fetchone() == (0,)
        dates.pg_install(cursor, Event._meta.db_table, "start_date", "end_date")
        dates.pg_install(cursor, Event._meta.db_table, "start_date", "end_date")  # idempotent
        cursor.execute(f'SELECT "{function}"()')
        assert cursor.fetchone() == (10,)

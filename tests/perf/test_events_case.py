"""The events-by-participant case (tests/perf/cases.py): the app, both floors and Datasette's
query give the same rows, so the benchmark compares like with like.

On synthetic data, on SQLite and PostgreSQL (Datasette's query on SQLite only,
run here as the SQL it becomes, ordered as the app orders).
"""

import urllib.parse

import pytest
from django.core.management import call_command
from django.db import connection

from kb.models import Event, Status
from tests import factories
from tests.perf import cases
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = pytest.mark.django_db

CASE = "events_by_participant_and_dates"


@pytest.fixture
def case(settings):
    call_command("synthesize", "--scale", "2", verbosity=0)
    factories.EventFactory(slug=cases.BENCH_EVENT, status=Status.PUBLISHED)
    settings.ROOT_URLCONF = "tests.perf.urls"  # the floor views beside the app
    (found,) = [c for c in cases.make_cases() if c["name"] == CASE]
    return found


def sql_rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[1] for row in cursor.fetchall()]  # the slug, second column


def test_the_app_and_both_floors_give_the_same_page(client, case):
    app = [row["slug"] for row in get_json(client, case["url"])["results"]]
    floor = [row["slug"] for row in get_json(client, case["floor"])["results"]]
    assert len(app) == 50
    assert app == floor == sql_rows(*case["sql"])
    # The page is the busiest organisation's events that overlap the dates.
    hub = Event.objects.filter(
        participations__organisation__slug=cases.HUB,
        end_date__gte=cases.DATE_FROM,
        start_date__lte=cases.DATE_TO,
        status=Status.PUBLISHED,
    ).distinct()
    ordered = hub.in_name_order("en").values_list("slug", flat=True)
    assert app == list(ordered)[:50]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="Datasette reads SQLite files")
def test_datasettes_query_selects_the_same_rows(client, case):
    app = [row["slug"] for row in get_json(client, case["url"])["results"]]
    assert datasette_rows(case) == app


def datasette_rows(case):
    """The slugs Datasette's SQL query (`?sql=` and its named parameters) selects, run here."""
    path, _plain = cases.datasette_variants(case["datasette"])
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
    sql = query.pop("sql")
    connection.ensure_connection()
    rows = connection.connection.execute(sql, query)  # sqlite3 takes :name parameters
    columns = [column[0] for column in rows.description]
    return [dict(zip(columns, row, strict=True))["slug"] for row in rows]

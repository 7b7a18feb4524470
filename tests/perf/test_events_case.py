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
    assert app == list(hub.order_by("start_date", "slug", "pk").values_list("slug", flat=True))[:50]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="Datasette reads SQLite files")
def test_datasettes_query_selects_the_same_rows(client, case):
    path, _plain = cases.datasette_variants(case["datasette"])
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    where = [f"({clause})" for clause in query["_where"]]
    where += ["status = %s", "end_date >= %s", "start_date <= %s"]
    params = [query["status"][0], query["end_date__gte"][0], query["start_date__lte"][0]]
    # Datasette breaks ties by rowid; the app by slug. The same rows, in the app's order:
    sql = (
        f"SELECT id, slug FROM kb_event WHERE {' AND '.join(where)} "
        f"ORDER BY {query['_sort'][0]}, slug, id LIMIT {query['_size'][0]}"
    )
    app = [row["slug"] for row in get_json(client, case["url"])["results"]]
    assert sql_rows(sql, params) == app

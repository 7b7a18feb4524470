"""The organisations cases (tests/perf/cases.py) read in the app's order, by name in English:
the app, both floors and Datasette's query give the same rows, so the benchmark
compares like with like, and the SQL floors read the name index as the app does.

On synthetic data, on SQLite and PostgreSQL (Datasette's query on SQLite only,
run here as the SQL it is, on a connection with the collations).
"""

import re

import pytest
from django.core.management import call_command
from django.db import connection

from kb.models import Status
from tests import factories
from tests.perf import cases
from tests.perf.test_events_case import datasette_rows, sql_rows
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = pytest.mark.django_db

ORGANISATION_CASES = ["organisations_by_region", "html_list", "search", "page_1", "deep_page"]
HTML_ROW = re.compile(r'<li class="record">\s*<h3><a href="/en/organisations/([^/"]+)/"')


@pytest.fixture
def made(settings):
    call_command("synthesize", "--scale", "0.5", verbosity=0)
    factories.EventFactory(slug=cases.BENCH_EVENT, status=Status.PUBLISHED)
    settings.ROOT_URLCONF = "tests.perf.urls"  # the floor views beside the app
    return {case["name"]: case for case in cases.make_cases()}


def app_rows(client, url):
    if url.startswith("/api/"):
        return [row["slug"] for row in get_json(client, url)["results"]]
    response = client.get(url)
    assert response.status_code == 200
    return HTML_ROW.findall(response.content.decode())


def test_the_app_the_floors_and_datasette_give_the_same_rows(client, made):
    for name in ORGANISATION_CASES:
        case = made[name]
        app = app_rows(client, case["url"])
        floor = [row["slug"] for row in get_json(client, case["floor"])["results"]]
        assert len(app) >= 5, name
        assert app == floor == sql_rows(*case["sql"]), name
        if connection.vendor == "sqlite":
            assert datasette_rows(case) == app, name


def test_the_sql_floors_read_the_name_index(made):
    for name in ("organisations_by_region", "page_1", "deep_page"):
        sql, params = made[name]["sql"]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_sort = off")
                cursor.execute("EXPLAIN " + sql, params)
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        assert "kb_organisation_name_en" in plan, (name, plan)
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, (name, plan)

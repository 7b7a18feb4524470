"""A narrow list's page read through its filters' indexes and sorted, on SQLite
(kb/db/planning.py, sorted_by_key): the same rows, without walking the whole table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.db import planning, search
from tests import factories as f

pytestmark = pytest.mark.django_db

PAGE = '"kb_organisation"."status" = %s AND "kb_organisation"."country" IN (%s)'
SQL = f"WHERE {PAGE} ORDER BY 1"
SORTED = f"WHERE +{PAGE} ORDER BY 1"


class Vendor:
    def __init__(self, vendor):
        self.vendor = vendor
        self.ops = connection.ops


def test_the_walk_pays_past_a_number_of_rows_kept_that_grows_with_the_table():
    cost = planning.FILTER_WALK_COST  # 0.22: by key up to about 1,050 of 100,000
    assert not planning.walk_is_cheaper(1048, 50, 100_000, cost)
    assert planning.walk_is_cheaper(1049, 50, 100_000, cost)
    assert not planning.walk_is_cheaper(3000, 50, 100_000_000, cost)
    assert not planning.walk_is_cheaper(1049, 200, 100_000, cost)  # a longer page
    assert not planning.walk_is_cheaper(10**6, 5, 10, 0, page_min=10)
    # A search's rows found: its own cost, the same rule.
    assert search.walk_is_cheaper(815, 50, 100_000)


@pytest.mark.parametrize(
    ("vendor", "count", "expected"),
    [
        ("sqlite", 34, SORTED),  # one country's academies
        ("sqlite", 1048, SORTED),
        ("sqlite", 1049, SQL),  # the walk pays
        ("sqlite", 19_545, SQL),  # a region's
        ("postgresql", 34, SQL),  # its statistics choose
    ],
)
def test_the_status_test_is_unindexed_where_sorting_pays(vendor, count, expected):
    answer = planning.sorted_by_key(SQL, "kb_organisation", Vendor(vendor), count, 50, 100_000)
    assert answer == expected


def test_a_page_whose_status_test_is_not_found_once_is_left_to_the_walk():
    twice = f"WHERE {PAGE} OR {PAGE}"
    vendor = Vendor("sqlite")
    assert planning.sorted_by_key(twice, "kb_organisation", vendor, 3, 50, 100_000) is None
    assert planning.sorted_by_key("WHERE 1", "kb_organisation", vendor, 3, 50, 100_000) is None


def _page_sql(client, url):
    client.get(url)  # compiles the shape
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    (sql,) = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "kb_organisation"."id"')
    ]
    return response.content, sql


def _plan(sql):
    # The SQL as run, its values written in (CaptureQueriesContext's text).
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return " / ".join(row[-1] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner without statistics")
@pytest.mark.parametrize("url", ["/api/v1/organisations/", "/en/organisations/"])
def test_a_narrow_page_starts_from_its_filters_index_and_a_wide_one_walks(client, monkeypatch, url):
    for n in range(6):
        f.OrganisationFactory(slug=f"police-{n}", name_en=f"Police {5 - n}", country="VA")
        f.OrganisationFactory(slug=f"academy-{n}", name_en=f"Academy {n}", country="FR")
    url += "?country=VA&page_size=2"
    # Six rows kept of twelve: the walk pays, as the rule says for so small a table.
    walked_body, walked_sql = _page_sql(client, url)
    monkeypatch.setattr(planning, "FILTER_WALK_COST", 10**9)  # as for a narrow filter
    sorted_body, sorted_sql = _page_sql(client, url)
    assert '+"kb_organisation"."status"' in sorted_sql
    assert '+"kb_organisation"."status"' not in walked_sql
    assert sorted_body == walked_body
    sorted_plan, walked_plan = _plan(sorted_sql), _plan(walked_sql)
    assert "(country=?)" in sorted_plan and "TEMP B-TREE FOR ORDER BY" in sorted_plan
    assert "kb_organisation_name_en" in walked_plan and "TEMP B-TREE" not in walked_plan

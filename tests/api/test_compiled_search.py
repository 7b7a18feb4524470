"""A search compiled once (kb/filtering/compiled.py, search.fill_deferred) runs the SQL
the ORM's search.Candidates writes for it, in each of its plans."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.api import views
from kb.db import search
from kb.filtering import compiled
from tests.api.test_compiled import plans
from tests.support import _unthrottled  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("plan", ["by key", "walked", "walked, known", "past the cap"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organisations/?q=police",
        "/api/v1/organisations/?q=police%20nationale&page_size=1&page=2",
        "/api/v1/events/?q=maroc&lang=fr",
    ],
)
def test_a_compiled_search_runs_the_built_searchs_sql(client, monkeypatch, url, plan):
    """The rows the index found are written in as search.Candidates writes them, in each
    of its plans: the same SQL (so the same plan), not only the same answer. Words whose
    rows found are known to be many (search.remembered_size) are walked at once, the rows
    found read by the page's own query; others' are read first."""

    def fresh():
        if plan != "walked, known":
            search.forget_statistics()  # how many rows the words find: to be read again

    if plan == "by key":
        monkeypatch.setattr(search, "WALK_PAGE_MIN", 10**9)
    elif plan in ("walked", "walked, known"):
        monkeypatch.setattr(search, "WALK_PAGE_MIN", 1)
        monkeypatch.setattr(search, "WALK_COST", 0)
    elif plan == "past the cap":
        monkeypatch.setattr(search, "CANDIDATES_MAX", 1)

    def page_sql():
        # The page's query: not the search index's own (`SELECT rowid ...`).
        found = [
            q["sql"] for q in queries if "LIMIT" in q["sql"] and "SELECT rowid" not in q["sql"][:20]
        ]
        return found[0]

    compiled.SHAPES.clear()
    client.get(url)  # compiles
    fresh()
    with CaptureQueriesContext(connection) as queries:
        fast = client.get(url)
    fast_sql = page_sql()
    with monkeypatch.context() as patch:
        patch.setattr(views.compiled, "listing", lambda *args, **kwargs: None)
        fresh()
        with CaptureQueriesContext(connection) as queries:
            built = client.get(url)
    assert any(plans().values())
    assert fast.content == built.content
    assert fast.json()["count"] >= 1
    assert fast_sql == page_sql()
    if connection.vendor == "sqlite":
        walks = plan != "by key"
        assert ('+"' in fast_sql) is walks, fast_sql
        assert ("MATCH" in fast_sql) is (plan in ("walked, known", "past the cap")), fast_sql

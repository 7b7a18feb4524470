"""Shared by the test_api* modules: the article's data loaded once per module.

`seeded` (conftest.py) loads it for every test, with its history, which costs
most of a second; the API tests only read it, so each module loads it once
inside a transaction that is rolled back when the module ends. Each test
still runs in its own savepoint (the `db` fixture), so a test that changes
data leaves the next one the article as loaded.
"""

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def _article_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed", "--if-empty", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def article(_article_once, db):
    """The article's data (fixtures/interpol-ga-93.json), read-mostly."""


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    """Requests in tests are not throttled unless a test sets a rate itself."""
    settings.API_ANON_THROTTLE_RATE = None


def get_json(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()

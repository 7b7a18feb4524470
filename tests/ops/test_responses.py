"""The response cache (kb/ops/responses.py): replayed until the data change, never stale.

The suite runs with it off (tests/environment.py); these tests turn it on.
Local memory here; in Redis at the end (marker redis, the real server).
"""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kb.models import Organisation
from tests import factories
from tests.ops.redis_support import keys_under
from tests.support import _unthrottled  # noqa: F401

pytest_plugins = ["tests.ops.redis_fixtures"]
pytestmark = pytest.mark.django_db

API = "/api/v1/organisations/"
HEADER = "X-Response-Cache"


@pytest.fixture
def cache_on(settings):
    settings.RESPONSE_CACHE = True
    caches["responses"].clear()
    yield
    caches["responses"].clear()


@pytest.fixture
def orgs(db):
    return factories.OrganisationFactory.create_batch(3)


def state(response):
    return response.headers.get(HEADER)


@pytest.mark.usefixtures("cache_on", "orgs")
@pytest.mark.parametrize("url", [API, f"{API}?lang=fr&page_size=2", "/en/organisations/"])
def test_a_repeated_request_is_replayed_with_the_same_body_and_headers(client, url):
    first = client.get(url, HTTP_ORIGIN="https://example.org")
    assert first.status_code == 200 and state(first) == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url, HTTP_ORIGIN="https://example.org")
    assert state(second) == "hit"
    assert second.content == first.content
    # Only the data version is read: no row, no count.
    assert len(queries) == 1, [q["sql"] for q in queries]
    own = {HEADER, "X-Request-ID"}  # each response's own
    kept = {k: v for k, v in first.headers.items() if k not in own}
    assert {k: v for k, v in second.headers.items() if k not in own} == kept
    for name in ("Vary", "Content-Type", "Content-Security-Policy", "X-Frame-Options"):
        assert second.headers.get(name) == first.headers.get(name), name
    if url.startswith("/api/"):
        assert second["ETag"] == first["ETag"]
        assert second["Access-Control-Allow-Origin"] == "*"
        assert "Accept-Language" in second["Vary"]


@pytest.mark.usefixtures("cache_on", "orgs")
def test_any_write_is_seen_at_once(client, orgs):
    page = reverse("kb:organisation-list")
    before_api, before_page = client.get(API), client.get(page)
    assert state(client.get(API)) == "hit" and state(client.get(page)) == "hit"
    Organisation.objects.filter(pk=orgs[0].pk).update(name_en="Renamed by an editor")
    after_api, after_page = client.get(API), client.get(page)
    assert state(after_api) == "miss" and state(after_page) == "miss"
    assert "Renamed by an editor" in after_api.content.decode()
    assert "Renamed by an editor" in after_page.content.decode()
    assert after_api["ETag"] != before_api["ETag"]
    assert before_page.content != after_page.content


@pytest.mark.usefixtures("cache_on", "orgs")
def test_language_accept_and_query_are_part_of_the_key(client):
    english = client.get(API, HTTP_ACCEPT_LANGUAGE="en")
    french = client.get(API, HTTP_ACCEPT_LANGUAGE="fr")
    assert state(english) == state(french) == "miss"
    assert english.json()["results"][0]["name"] != french.json()["results"][0]["name"]
    assert state(client.get(API, HTTP_ACCEPT_LANGUAGE="fr")) == "hit"
    assert state(client.get(f"{API}?page_size=1")) == "miss"
    assert state(client.get("/fr/organisations/")) == "miss"
    assert state(client.get("/en/organisations/")) == "miss"


@pytest.mark.usefixtures("cache_on", "orgs")
def test_what_is_not_cached(client, admin_client, settings):
    # A streamed CSV download, a 404, a 400, a HEAD, a conditional GET.
    for _ in range(2):
        csv = client.get(f"{API}?format=csv")
        assert csv.status_code == 200 and state(csv) is None
        assert state(client.get(f"{API}no-such-record/")) is None
        assert state(client.get(f"{API}?page_size=1&page=999")) is None
        assert state(client.get("/en/events/?date_from=not-a-date")) is None
        assert state(client.head(API)) is None
    etag = client.get(API)["ETag"]
    conditional = client.get(API, HTTP_IF_NONE_MATCH=etag)
    assert conditional.status_code == 304 and state(conditional) is None
    # A logged-in editor (a session cookie) is never served a stored page, nor stores one.
    assert state(admin_client.get("/en/organisations/")) is None
    # Swagger UI's page carries a nonce meant for it alone.
    for _ in range(2):
        docs = client.get(reverse("docs"))
        assert docs.status_code == 200 and state(docs) is None
    # A body over the size bound.
    settings.RESPONSE_CACHE_MAX_BYTES = 100
    assert state(client.get(f"{API}?page_size=3")) is None
    assert state(client.get(f"{API}?page_size=3")) is None


@pytest.mark.usefixtures("cache_on", "orgs")
def test_a_hit_still_counts_against_the_throttle(client, settings):
    caches["default"].clear()  # the throttle's counts: other tests' requests
    settings.API_ANON_THROTTLE_RATE = "3/minute"
    assert [state(client.get(API)) for _ in range(3)] == ["miss", "hit", "hit"]
    refused = client.get(API)
    assert refused.status_code == 429 and "Retry-After" in refused
    # The page is not throttled, and another client has its own allowance.
    assert client.get("/en/organisations/").status_code == 200
    assert state(client.get(API, REMOTE_ADDR="192.0.2.7")) == "hit"


@pytest.mark.usefixtures("orgs")
def test_off_means_off(client, settings):
    settings.RESPONSE_CACHE = False
    assert state(client.get(API)) is None
    assert state(client.get(API)) is None


def test_the_local_cache_is_bounded(settings):
    options = settings.CACHES["responses"]["OPTIONS"]
    assert options["MAX_ENTRIES"] == settings.RESPONSE_CACHE_MAX_ENTRIES > 0
    assert settings.CACHES["responses"]["TIMEOUT"] == settings.RESPONSE_CACHE_SECONDS > 0


@pytest.mark.redis
@pytest.mark.usefixtures("cache_on", "orgs")
def test_with_redis_responses_are_stored_there_for_every_process(client, redis, redis_cache):
    assert state(client.get(API)) == "miss"
    (stored,) = keys_under(redis, f"{redis_cache}:responses")
    assert 0 < redis.ttl(stored) <= 300
    assert state(client.get(API)) == "hit"
    # What Redis holds is what is served: gone from it, rendered again.
    redis.delete(stored)
    assert state(client.get(API)) == "miss"
    factories.OrganisationFactory()
    assert state(client.get(API)) == "miss"
    assert len(keys_under(redis, f"{redis_cache}:responses")) == 2

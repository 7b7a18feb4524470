"""The Redis cache (REDIS_URL): what config/settings.py builds, and what lives in Redis.

Counts are read from Redis under the data version, so a write is seen at once;
throttling counts there, whatever the version; sessions are written to the
database and read through Redis. Against the real server on 127.0.0.1:6379
(tests/ops/redis_fixtures.py); what happens when it is down: test_cache_down.py.
"""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests import factories
from tests.ops.redis_support import (
    SHARED_URL,
    keys_under,
    production_settings,
    read_settings,
    use_redis,
)

# Its fixtures: the shared server, a key prefix per test, servers of its own.
pytest_plugins = ["tests.ops.redis_fixtures"]
pytestmark = [pytest.mark.redis, pytest.mark.django_db]

ORGANISATIONS = "/api/v1/organisations/"
SESSION_KEY = "django.contrib.sessions.cached_db"


# --- Settings -------------------------------------------------------------------------


def test_without_redis_url_the_cache_is_local_memory():
    values = production_settings()
    assert {alias["BACKEND"] for alias in values["CACHES"].values()} == {
        "django.core.cache.backends.locmem.LocMemCache"
    }
    assert set(values["CACHES"]) == {"default", "counts", "responses"}
    # A per-process cache would serve a session another process has ended.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_with_redis_url_both_aliases_are_redis_under_the_key_prefix():
    values = production_settings(REDIS_URL=SHARED_URL)
    default, counts = values["CACHES"]["default"], values["CACHES"]["counts"]
    responses = values["CACHES"]["responses"]
    assert responses["KEY_PREFIX"] == "entente:responses"
    for alias in (default, counts, responses):
        assert alias["BACKEND"] == "django_redis.cache.RedisCache"
        assert alias["LOCATION"] == SHARED_URL
        options = alias["OPTIONS"]
        assert options["IGNORE_EXCEPTIONS"] is True
        assert options["SOCKET_CONNECT_TIMEOUT"] == 0.1
        assert options["SOCKET_TIMEOUT"] == 0.2
        assert options["REDIS_CLIENT_CLASS"] == "kb.ops.cache.PausingRedis"
    assert default["KEY_PREFIX"] == "entente"
    assert counts["KEY_PREFIX"] == "entente:counts"
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert values["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"] is True

    staging = production_settings(
        REDIS_URL=SHARED_URL,
        CACHE_KEY_PREFIX="staging",
        CACHE_CONNECT_TIMEOUT="0.5",
        CACHE_SOCKET_TIMEOUT="1.5",
    )
    assert staging["CACHES"]["default"]["KEY_PREFIX"] == "staging"
    assert staging["CACHES"]["counts"]["KEY_PREFIX"] == "staging:counts"
    assert staging["CACHES"]["counts"]["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] == 0.5
    assert staging["CACHES"]["counts"]["OPTIONS"]["SOCKET_TIMEOUT"] == 1.5


@pytest.mark.parametrize(
    "variables, named",
    [
        ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://:s3cret@127.0.0.1:6379/0?sockettimeout=1"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://:s3cret@127.0.0.1:70000/0"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0?db=first"}, "REDIS_URL"),
        ({"CACHE_KEY_PREFIX": "entente:prod"}, "CACHE_KEY_PREFIX"),
        ({"CACHE_KEY_PREFIX": "entente*"}, "CACHE_KEY_PREFIX"),
        ({"CACHE_KEY_PREFIX": " "}, "CACHE_KEY_PREFIX"),
        ({"CACHE_SOCKET_TIMEOUT": "0"}, "CACHE_SOCKET_TIMEOUT"),
        ({"CACHE_SOCKET_TIMEOUT": "200ms"}, "CACHE_SOCKET_TIMEOUT"),
        ({"CACHE_CONNECT_TIMEOUT": "-1"}, "CACHE_CONNECT_TIMEOUT"),
    ],
)
def test_a_bad_value_is_refused_at_start_with_its_name(variables, named):
    returncode, _, stderr = read_settings(**variables)
    assert returncode != 0
    message = stderr.strip().splitlines()[-1]
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: " + named), message
    assert "s3cret" not in stderr  # the URL's password is never repeated


# --- Counts ---------------------------------------------------------------------------


def list_counts(keys):
    """The lists' counts among the counts cache's keys (the facets' are kept there too)."""
    return [key for key in keys if ":facet:" not in key]


def test_counts_are_read_from_redis_and_fresh_after_a_write(client, redis, redis_cache):
    factories.OrganisationFactory.create_batch(3)
    page = reverse("kb:organisation-list")
    assert client.get(page).context["paginator"].count == 3
    assert client.get(ORGANISATIONS).json()["count"] == 3
    stored = list_counts(keys_under(redis, f"{redis_cache}:counts"))
    assert len(stored) == 2  # the page's count and the API's
    # Beside them, the page's facets (kind, country, region), shared by every process too.
    assert len(keys_under(redis, f"{redis_cache}:counts:1:facet")) == 3
    assert all(int(redis.get(key)) == 3 for key in stored)

    # What Redis holds is what is served: no COUNT(*) while the data stand still.
    for key in stored:
        redis.set(key, 999, keepttl=True)
    assert client.get(page).context["paginator"].count == 999
    assert client.get(ORGANISATIONS).json()["count"] == 999

    # A write changes the data version, so the next read counts again, under a new key.
    factories.OrganisationFactory()
    assert client.get(page).context["paginator"].count == 4
    assert client.get(ORGANISATIONS).json()["count"] == 4
    assert len(list_counts(keys_under(redis, f"{redis_cache}:counts"))) == 4
    # Every count expires (a day): old versions' counts do not pile up for ever.
    assert all(0 < redis.ttl(key) <= 24 * 3600 for key in keys_under(redis, redis_cache))


def test_deployments_sharing_a_server_keep_to_their_own_keys(client, redis, settings, redis_cache):
    factories.OrganisationFactory.create_batch(2)
    assert client.get(ORGANISATIONS).json()["count"] == 2
    (stored,) = keys_under(redis, f"{redis_cache}:counts")
    redis.set(stored, 999, keepttl=True)
    assert client.get(ORGANISATIONS).json()["count"] == 999

    other = f"{redis_cache}-other"
    try:
        use_redis(settings, SHARED_URL, other)
        assert client.get(ORGANISATIONS).json()["count"] == 2  # not the first one's 999
        assert len(keys_under(redis, f"{other}:counts")) == 1
    finally:
        for key in keys_under(redis, other):
            redis.delete(key)


# --- Throttling -----------------------------------------------------------------------


def test_throttling_counts_in_redis_whatever_the_data_version(client, redis, settings, redis_cache):
    settings.API_ANON_THROTTLE_RATE = "2/minute"
    assert client.get(ORGANISATIONS).status_code == 200
    factories.OrganisationFactory()  # a new data version: the allowance goes on regardless
    assert client.get(ORGANISATIONS).status_code == 200
    assert client.get(ORGANISATIONS).status_code == 429
    key = f"{redis_cache}:1:throttle_anon_127.0.0.1"
    assert redis.exists(key)
    assert 0 < redis.ttl(key) <= 60
    # Another address has its own allowance.
    assert client.get(ORGANISATIONS, REMOTE_ADDR="192.0.2.7").status_code == 200


# --- Sessions -------------------------------------------------------------------------


def test_admin_sessions_are_written_to_the_database_and_read_through_redis(
    client, redis, django_user_model, redis_cache
):
    django_user_model.objects.create_user("editor", "e@example.org", "right-pw", is_staff=True)
    response = client.post(reverse("admin:login"), {"username": "editor", "password": "right-pw"})
    assert response.status_code == 302
    session_key = client.cookies["sessionid"].value
    cached = f"{redis_cache}:1:{SESSION_KEY}{session_key}"
    assert redis.exists(cached)
    assert Session.objects.filter(session_key=session_key).exists()

    # Lost from Redis: read from the database, and cached again.
    redis.delete(cached)
    assert client.get(reverse("admin:index")).status_code == 200
    assert redis.exists(cached)

    # Read from Redis while it has it: the database's row is not even looked at.
    Session.objects.filter(session_key=session_key).delete()
    assert client.get(reverse("admin:index")).status_code == 200

    # Logging out ends the session in both.
    client.post(reverse("admin:login"), {"username": "editor", "password": "right-pw"})
    session_key = client.cookies["sessionid"].value
    cached = f"{redis_cache}:1:{SESSION_KEY}{session_key}"
    assert client.post(reverse("admin:logout")).status_code == 200
    assert not redis.exists(cached)
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("admin:index")).status_code == 302  # to the login page

"""With the Redis cache down, the site, the API and the admin serve from the database.

Slower, not broken: each cache read is a miss and each write is dropped, and
django-redis logs what it ignored. Redis refusing connections (a port where
nothing listens) costs a millisecond or two a command, most of it logging the
error; a Redis that hangs (a server of the test's own, stopped with SIGSTOP)
costs one socket timeout, after which the process leaves it alone for a pause
(kb/ops/cache.py), then uses it again once it answers.
"""

import signal
import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from tests import factories
from tests.ops.redis_support import keys_under, use_redis

# Its fixtures: the shared server, a key prefix per test, servers of its own.
pytest_plugins = ["tests.ops.redis_fixtures"]
pytestmark = [pytest.mark.redis, pytest.mark.django_db]

ORGANISATIONS = "/api/v1/organisations/"
PAGE = "/en/organisations/"
PREFIX = "entente-down"


def ignored(caplog):
    return [
        r
        for r in caplog.records
        if r.name == "django_redis.cache" and r.levelname == "ERROR" and r.exc_info
    ]


@pytest.fixture
def refused(settings, refused_url):
    """Both aliases on a Redis that refuses connections."""
    use_redis(settings, refused_url, PREFIX)


def test_pages_and_the_api_serve_exact_counts_from_the_database(client, caplog, refused):
    factories.OrganisationFactory.create_batch(3)
    assert client.get("/en/").status_code == 200
    assert client.get(PAGE).context["paginator"].count == 3
    assert client.get(ORGANISATIONS).json()["count"] == 3
    factories.OrganisationFactory()
    assert client.get(PAGE).context["paginator"].count == 4
    assert client.get(ORGANISATIONS).json()["count"] == 4
    # Each ignored error is logged, with the error that caused it.
    records = ignored(caplog)
    assert records
    assert "Connection refused" in str(records[0].exc_info[1].__cause__)


def test_a_refused_command_never_waits_for_a_timeout(settings, refused_url):
    """A refusal is an answer, not silence: no command waits out its timeout.

    The timeouts are made long (20 s) so that the bound below is no timing
    race: a single command that waited would take longer than all hundred may.
    Refused, the hundred take milliseconds each (most of it logging the error).
    """
    use_redis(settings, refused_url, PREFIX, SOCKET_CONNECT_TIMEOUT=20, SOCKET_TIMEOUT=20)
    counts = caches["counts"]
    started = time.monotonic()
    for n in range(50):
        assert counts.get(f"count-{n}") is None
        counts.set(f"count-{n}", n)
    assert time.monotonic() - started < 20


def test_throttling_lets_requests_through_while_it_cannot_count(client, settings, refused):
    # Its counts are lost with the cache: the API stays open rather than closed.
    settings.API_ANON_THROTTLE_RATE = "2/minute"
    assert [client.get(ORGANISATIONS).status_code for _ in range(4)] == [200] * 4


def test_the_admin_logs_in_and_out_with_sessions_from_the_database(
    client, django_user_model, refused
):
    django_user_model.objects.create_superuser("editor", "e@example.org", "right-pw")
    response = client.post(reverse("admin:login"), {"username": "editor", "password": "right-pw"})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    organisation = factories.OrganisationFactory()
    change = reverse("admin:kb_organisation_change", args=[organisation.pk])
    assert client.get(change).status_code == 200
    assert client.post(reverse("admin:logout")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302  # to the login page


def test_a_hung_redis_costs_one_timeout_then_is_left_alone_until_it_answers(
    client, settings, own_redis
):
    # A long timeout (the default is 0.2 s), so that the bounds below are no race with
    # a loaded machine: without the pause each read would wait as long as the first.
    timeout = 1.0
    use_redis(
        settings, own_redis.url, PREFIX, REDIS_CLIENT_KWARGS={"pause": 1.5}, SOCKET_TIMEOUT=timeout
    )
    factories.OrganisationFactory.create_batch(2)
    assert client.get(ORGANISATIONS).json()["count"] == 2
    server = own_redis.client()
    assert keys_under(server, f"{PREFIX}:counts")

    own_redis.process.send_signal(signal.SIGSTOP)
    try:
        counts = caches["counts"]
        started = time.perf_counter()
        assert counts.get("first") is None
        first = time.perf_counter() - started
        for n in range(20):
            assert counts.get(f"count-{n}") is None
        rest = time.perf_counter() - started - first
        assert timeout * 0.9 <= first < 2 * timeout  # the timeout, once
        # Without the pause, the twenty would wait 20 timeouts.
        assert rest < timeout, f"20 reads took {rest * 1000:.0f} ms after the first timed out"
        # Pages and the API serve meanwhile, from the database.
        assert client.get(PAGE).context["paginator"].count == 2
        assert client.get(ORGANISATIONS).json()["count"] == 2
    finally:
        own_redis.process.send_signal(signal.SIGCONT)

    # Once the pause is over, the next command tries again and finds Redis back.
    time.sleep(1.6)
    assert counts.set("back", 1) is True
    assert counts.get("back") == 1


def test_after_redis_restarts_the_cache_is_used_again(client, settings, own_redis):
    use_redis(settings, own_redis.url, PREFIX, REDIS_CLIENT_KWARGS={"pause": 0.2})
    factories.OrganisationFactory.create_batch(2)
    assert client.get(ORGANISATIONS).json()["count"] == 2  # cached, on pooled connections

    own_redis.stop()
    factories.OrganisationFactory()
    assert client.get(ORGANISATIONS).json()["count"] == 3
    assert client.get(PAGE).context["paginator"].count == 3

    own_redis.start()  # the same port, empty
    # Used again once the pause is over. On a loaded machine the first command after the
    # restart may still outlast its 0.2 s timeout (one more pause): a few tries, each
    # answer right, until the count is stored in Redis again.
    deadline = time.monotonic() + 10
    while True:
        time.sleep(0.3)
        assert client.get(ORGANISATIONS).json()["count"] == 3
        if keys_under(own_redis.client(), f"{PREFIX}:counts"):
            break
        assert time.monotonic() < deadline, "the cache was not used again after the restart"
    assert len(keys_under(own_redis.client(), f"{PREFIX}:counts")) == 1

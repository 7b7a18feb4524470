"""The replica middleware's decisions, which need no replica: which requests, the pin cookie.

What the replica then serves is tested against a real standby
(tests/ops/test_replica.py, run by tests/ops/replica.sh).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import signing
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from kb.db.routing import has_replica, read_alias, reading_from_replica, replica_reads_requested
from kb.ops.replica import (
    PIN_COOKIE,
    PIN_SALT,
    ReplicaMiddleware,
    is_pinned,
    pin,
    reads_from_replica,
)

REPO = Path(__file__).resolve().parents[2]
factory = RequestFactory()


def pinned_cookie():
    """The cookie value the middleware leaves after a write."""
    response = HttpResponse()
    pin(response)
    return response.cookies[PIN_COOKIE]


def request_with(path="/en/", method="get", cookie=None):
    request = getattr(factory, method)(path)
    if cookie is not None:
        request.COOKIES[PIN_COOKIE] = cookie
    return request


# --- Which requests may read from the replica ----------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/en/", "/fr/", "/en/topics/", "/fr/events/some-event/", "/en/search/", "/api/v1/topics/"],
)
@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_safe_reads_of_the_public_pages_and_the_api_go_to_the_replica(path, method):
    assert reads_from_replica(request_with(path, method))


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/kb/topic/1/change/",
        "/healthz/",
        "/readyz/",
        "/i18n/setlang/",
        "/static/kb/site.css",
        "/favicon.ico",
        "/",
        # Prefixes are whole path segments.
        "/english/",
        "/apiary/",
    ],
)
def test_the_admin_the_health_checks_and_every_other_path_read_from_the_primary(path):
    assert not reads_from_replica(request_with(path))


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_methods_read_from_the_primary(method):
    assert not reads_from_replica(request_with("/api/v1/topics/", method))
    assert not reads_from_replica(request_with("/en/topics/", method))


def test_a_pinned_client_reads_from_the_primary():
    assert not reads_from_replica(request_with("/en/", cookie=pinned_cookie().value))
    assert not reads_from_replica(request_with("/api/v1/topics/", cookie=pinned_cookie().value))


# --- The pin cookie ------------------------------------------------------------------


def test_the_pin_cookie_travels_like_the_session_cookie(settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SAMESITE = "Strict"
    settings.REPLICA_PIN_SECONDS = 7
    cookie = pinned_cookie()
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["max-age"] == 7
    assert cookie["path"] == "/"


def test_a_fresh_pin_pins():
    assert is_pinned(request_with(cookie=pinned_cookie().value))


def test_a_tampered_pin_pins_nothing():
    value = pinned_cookie().value
    payload, _, signature = value.rpartition(":")
    other = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert not is_pinned(request_with(cookie=f"{payload}:{other}"))
    # A value of one's own, unsigned or signed for another purpose, pins nothing either.
    assert not is_pinned(request_with(cookie="1"))
    assert not is_pinned(request_with(cookie=signing.TimestampSigner(salt="other").sign("1")))
    foreign = signing.get_cookie_signer(salt=PIN_COOKIE + "another.salt").sign("1")
    assert not is_pinned(request_with(cookie=foreign))
    assert PIN_SALT != "another.salt"


def test_a_pin_expires_after_replica_pin_seconds(settings):
    settings.REPLICA_PIN_SECONDS = 1
    value = pinned_cookie().value
    assert is_pinned(request_with(cookie=value))
    # The signature's time has a resolution of one second.
    time.sleep(1.1)
    assert not is_pinned(request_with(cookie=value))


def test_replica_pin_seconds_zero_pins_nothing(settings):
    value = pinned_cookie().value
    settings.REPLICA_PIN_SECONDS = 0
    assert not is_pinned(request_with(cookie=value))
    assert reads_from_replica(request_with(cookie=value))


# --- The middleware ------------------------------------------------------------------


def recording_view(seen):
    def view(request):
        seen.append(replica_reads_requested())
        return HttpResponse("ok")

    return view


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/en/topics/", True),
        ("get", "/api/v1/topics/", True),
        ("post", "/en/topics/", False),
        ("get", "/admin/kb/topic/", False),
        ("get", "/healthz/", False),
    ],
)
def test_the_middleware_wraps_exactly_the_replicated_requests(method, path, expected):
    seen = []
    ReplicaMiddleware(recording_view(seen))(request_with(path, method))
    assert seen == [expected]
    assert replica_reads_requested() is False  # nothing leaks past the request


def test_a_streamed_body_is_read_within_replica_reads_after_the_view_returned():
    seen = []

    def chunks():
        for n in range(3):
            seen.append(replica_reads_requested())
            yield f"{n},"

    middleware = ReplicaMiddleware(lambda request: StreamingHttpResponse(chunks()))
    response = middleware(request_with("/api/v1/topics/"))
    assert seen == []  # nothing read yet: the server reads the body later
    assert b"".join(response) == b"0,1,2,"
    assert seen == [True, True, True]
    assert replica_reads_requested() is False


@pytest.mark.skipif(has_replica(), reason="with a replica, writes pin (tests/ops/test_replica.py)")
def test_without_a_replica_no_pin_cookie_is_set_and_every_read_goes_to_the_primary():
    response = ReplicaMiddleware(lambda request: HttpResponse())(request_with("/en/", "post"))
    assert PIN_COOKIE not in response.cookies
    with reading_from_replica():
        assert read_alias() == "default"


# --- Settings ------------------------------------------------------------------------

READ = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'replica': s.DATABASES.get('replica'), 'pin': s.REPLICA_PIN_SECONDS}))"
)


def settings_process(**variables):
    """config/settings.py read by a process of its own, with nothing set but `variables`."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", READ], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


def read_settings(**variables):
    result = settings_process(**variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


PRIMARY_URL = "postgres://app@db.example.org:5432/entente"


def test_no_replica_by_default_and_a_five_second_pin():
    assert read_settings(DATABASE_URL=PRIMARY_URL) == {"replica": None, "pin": 5}


def test_the_replica_url_adds_a_replica_alias_that_tests_never_create():
    found = read_settings(
        DATABASE_URL=PRIMARY_URL,
        DATABASE_REPLICA_URL="postgres://reader@replica.example.org:6432/entente",
        REPLICA_PIN_SECONDS="3",
    )
    replica = found["replica"]
    assert replica["ENGINE"] == "django.db.backends.postgresql"
    assert (replica["HOST"], replica["PORT"], replica["USER"], replica["NAME"]) == (
        "replica.example.org",
        6432,
        "reader",
        "entente",
    )
    assert replica["TEST"] == {"MIRROR": "default"}
    assert found["pin"] == 3


def test_a_replica_url_without_a_name_reads_the_primarys_database():
    found = read_settings(
        DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL="postgres://reader@replica.example.org"
    )
    assert found["replica"]["NAME"] == "entente"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"DATABASE_REPLICA_URL": "postgres://reader@replica.example.org/entente"},
            "DATABASE_REPLICA_URL must be a PostgreSQL URL",
        ),
        (
            {"DATABASE_URL": PRIMARY_URL, "DATABASE_REPLICA_URL": "sqlite:///replica.sqlite3"},
            "DATABASE_REPLICA_URL must be a PostgreSQL URL",
        ),
        (
            {"DATABASE_URL": PRIMARY_URL, "DATABASE_REPLICA_URL": "replica.example.org"},
            "DATABASE_REPLICA_URL must be a PostgreSQL URL",
        ),
        ({"REPLICA_PIN_SECONDS": "five"}, "REPLICA_PIN_SECONDS='five': expected a whole number"),
        ({"REPLICA_PIN_SECONDS": "-1"}, "REPLICA_PIN_SECONDS='-1': expected a whole number"),
    ],
)
def test_bad_replica_settings_are_refused_plainly(variables, message):
    result = settings_process(**variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr

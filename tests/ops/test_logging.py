"""Logs: one JSON object a line on stderr, each naming its request; a 500 its traceback."""

import json
import re

import pytest
from django.conf import settings

from tests.support import LOG_KEYS

pytestmark = pytest.mark.django_db

KEYS = LOG_KEYS


def json_lines(captured):
    """Every line of what went to stderr, each of which must be one JSON object."""
    return [json.loads(line) for line in captured.err.splitlines() if line.strip()]


def access_lines(lines):
    return [line for line in lines if line["logger"] == "kb.ops.access"]


@pytest.mark.urls("tests.ops.urls")
def test_a_500_logs_its_traceback_under_the_response_request_id(client, capsys):
    client.raise_request_exception = False
    capsys.readouterr()
    response = client.get("/_test/fails/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # generated: a uuid4 in hex

    lines = json_lines(capsys.readouterr())
    assert lines and all(set(line) >= KEYS for line in lines)
    assert {line["request_id"] for line in lines} == {request_id}
    [error] = [line for line in lines if "exc_info" in line]
    assert error["level"] == "ERROR" and error["logger"] == "django.request"
    assert error["status"] == 500
    assert (error["method"], error["path"]) == ("GET", "/_test/fails/")
    assert "Traceback (most recent call last)" in error["exc_info"]
    assert "Boom: the view failed on purpose" in error["exc_info"]
    [access] = access_lines(lines)
    assert (access["method"], access["path"], access["status"]) == ("GET", "/_test/fails/", 500)
    assert access["level"] == "ERROR"


def test_one_access_line_per_request_with_its_timing(client, capsys):
    capsys.readouterr()
    response = client.get("/api/v1/organisations/?page_size=1", HTTP_X_REQUEST_ID="edge-42.a_b")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "edge-42.a_b"  # the proxy's id, kept
    [access] = access_lines(json_lines(capsys.readouterr()))
    assert set(access) == KEYS
    assert access["request_id"] == "edge-42.a_b"
    assert (access["level"], access["method"], access["status"]) == ("INFO", "GET", 200)
    assert access["path"] == "/api/v1/organisations/"  # the query string is not logged
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access["time"])


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 201, "has space", 'quote"', "new\nline", "semi;colon", "é"],
)
def test_an_invalid_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/favicon.ico", headers={"X-Request-ID": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_valid_incoming_request_id_of_200_characters_is_kept(client):
    incoming = "A.b-_9" * 33 + "xy"
    assert len(incoming) == 200
    assert client.get("/favicon.ico", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


def test_every_response_has_its_own_id(client):
    ids = {client.get(path)["X-Request-ID"] for path in ("/en/", "/en/", "/static/kb/site.css")}
    assert len(ids) == 3


def test_static_files_and_not_found_pages_carry_an_id_and_a_line(client, capsys):
    capsys.readouterr()
    static = client.get("/static/kb/site.css")
    missing = client.get("/en/no-such-page/")
    assert missing.status_code == 404
    every = json_lines(capsys.readouterr())
    # Django's own "Not Found" line names the request too.
    [not_found] = [line for line in every if line["logger"] == "django.request"]
    assert not_found["message"] == "Not Found: /en/no-such-page/"
    assert not_found["request_id"] == missing["X-Request-ID"]
    assert all(line["request_id"] for line in every)
    lines = access_lines(every)
    assert [(line["path"], line["status"]) for line in lines] == [
        ("/static/kb/site.css", 200),
        ("/en/no-such-page/", 404),
    ]
    assert [line["request_id"] for line in lines] == [
        static["X-Request-ID"],
        missing["X-Request-ID"],
    ]


def test_the_request_id_middleware_comes_first():
    # Anything before it would run unnamed, unlogged and untimed.
    assert settings.MIDDLEWARE[0] == "kb.ops.middleware.RequestIdMiddleware"


def test_lines_outside_a_request_have_the_same_keys(capsys):
    import logging

    logging.getLogger("kb.test").warning("outside %s", "any request")
    [line] = json_lines(capsys.readouterr())
    assert set(line) == KEYS
    assert line["message"] == "outside any request"
    assert line["request_id"] is None and line["level"] == "WARNING"

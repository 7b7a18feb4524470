"""The data API skips the site's session, locale, user and message middleware
(kb/ops/site_only.py), and states the language it answered in."""

import pytest
from django.core import checks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "accept", "language"),
    [
        ("/api/v1/topics/?lang=fr", "en", "fr"),  # `lang` wins over Accept-Language
        ("/api/v1/topics/?lang=en", "fr", "en"),
        ("/api/v1/topics/", "fr-CA,en;q=0.5", "fr"),
        ("/api/v1/topics/", "", "en"),
        ("/api/v1/topics/?lang=xx", "fr", "en"),  # a 400, in English
        ("/api/v1/", "fr", "en"),  # the root: no translated text
        ("/api/v1/no-such-type/", "fr", "en"),
    ],
)
def test_the_api_states_the_language_it_answered_in(client, url, accept, language):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=accept)
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]


def test_the_french_api_answers_in_french_whatever_the_browser_says(client, seeded):
    body = client.get("/api/v1/topics/?lang=fr", HTTP_ACCEPT_LANGUAGE="en").json()
    names = {row["slug"]: row["name"] for row in body["results"]}
    assert names["cybercrime"] == "Cybercriminalité"


def test_an_api_request_reads_no_session_or_user(client):
    response = client.get("/api/v1/topics/")
    request = response.wsgi_request
    assert not hasattr(request, "session")
    # No AnonymousUser from the auth middleware (DRF sets None: no authentication).
    assert getattr(request, "user", None) is None
    assert not hasattr(request, "LANGUAGE_CODE")
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize("url", ["/en/topics/", "/api/docs/", "/admin/login/"])
def test_the_site_the_admin_and_the_api_docs_keep_them(client, url):
    response = client.get(url)
    assert response.status_code == 200
    request = response.wsgi_request
    assert hasattr(request, "session")
    assert hasattr(request, "user")
    assert hasattr(request, "_messages")


def test_a_french_page_is_still_french(client):
    response = client.get("/fr/topics/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "fr"
    assert response.wsgi_request.LANGUAGE_CODE == "fr"


def test_the_admin_finds_its_middleware():
    # admin.E408-E410: sessions, users and messages in MIDDLEWARE (subclasses count).
    found = {message.id for message in checks.run_checks(tags=["admin"])}
    assert not found & {"admin.E408", "admin.E409", "admin.E410"}

"""One Content-Security-Policy on every response: pages, static files, API, API docs, admin."""

import http.client
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from kb import models
from tests import factories as f
from tests.support import _url

# Read over a real socket, where a second header would show as a second line.
PATHS = [
    "/en/",
    "/fr/organisations/",
    "/en/no-such-page/",
    "/api/v1/",
    "/api/v1/organisations/",
    "/api/schema/",
    "/api/docs/",
    "/api/redoc/",
    "/admin/login/",
    "/favicon.ico",
]


def fetch(base_url, path):
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.msg, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def directives(policy):
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.django_db(transaction=True)
def test_every_kind_of_response_carries_exactly_one_policy(live_server):
    for path in PATHS:
        status, headers, body = fetch(live_server.url, path)
        assert status < 500, path
        policies = headers.get_all("Content-Security-Policy") or []
        assert len(policies) == 1, (path, policies)
        assert not headers.get_all("Content-Security-Policy-Report-Only"), path
        assert "http-equiv" not in body.lower(), path  # no second policy in the page
        policy = directives(policies[0])
        assert policy["default-src"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        assert policy["object-src"] == ["'none'"], path
        assert "'unsafe-inline'" not in policy["script-src"], path
        assert "'unsafe-eval'" not in policy["script-src"], path


@pytest.mark.django_db
def test_static_files_carry_the_policy(client):
    # The live server serves static files before any middleware; WhiteNoise, as in
    # production, serves them after the policy's middleware.
    for path in ("/static/kb/site.css", "/static/kb/favicon.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert directives(response["Content-Security-Policy"])["default-src"] == ["'self'"]


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["index", "changelist", "change", "add", "import"])
def test_admin_pages_carry_the_site_policy(staff_client, view):
    organisation = f.OrganisationFactory()
    if view == "index":
        url = reverse("admin:index")
    else:
        url = _url(models.Organisation, view, *((organisation.pk,) if view == "change" else ()))
    response = staff_client.get(url)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # the admin needs no inline script, so no nonce
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]  # Select2 writes styles
    assert policy["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_swagger_ui_inline_script_carries_the_responses_nonce(client):
    nonces = set()
    for _ in range(2):
        response = client.get("/api/docs/")
        assert response.status_code == 200
        [nonce] = [
            value[len("'nonce-") : -1]
            for value in directives(response["Content-Security-Policy"])["script-src"]
            if value.startswith("'nonce-")
        ]
        html = response.text
        inline = [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag]
        assert inline == [f'<script nonce="{nonce}">']
        nonces.add(nonce)
    assert len(nonces) == 2  # one per response


@pytest.mark.django_db
def test_redoc_links_no_other_origin_and_nonces_its_inline_script(client):
    response = client.get("/api/redoc/")
    html = response.text
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html
    assert not re.findall(r"""(?:src|href)=["']https?://""", html)
    [nonce] = [
        value[len("'nonce-") : -1]
        for value in directives(response["Content-Security-Policy"])["script-src"]
        if value.startswith("'nonce-")
    ]
    inline = [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag]
    assert inline == [f'<script nonce="{nonce}">']


@pytest.mark.django_db
def test_pages_without_inline_script_get_no_nonce(client):
    for path in ("/en/", "/api/v1/", "/admin/login/"):
        assert "nonce-" not in client.get(path)["Content-Security-Policy"], path

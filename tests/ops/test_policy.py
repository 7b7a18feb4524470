"""The policy built once (kb/ops/policy.py) is the header django-csp writes itself."""

import re

import pytest
from csp.decorators import csp_exempt, csp_update
from django.http import HttpResponse
from django.test import RequestFactory

from kb.ops import policy

pytestmark = pytest.mark.django_db

LIBRARY = "csp.middleware.CSPMiddleware"
OURS = "kb.ops.policy.CSPMiddleware"

PATHS = [
    "/en/",  # a page that uses its nonce: the library's path
    "/en/topics/",
    "/en/no-such-page/",
    "/api/v1/",
    "/api/v1/organisations/",
    "/api/v1/topics/?lang=fr",
    "/api/docs/",
    "/admin/login/",
    "/static/kb/site.css",
    "/favicon.ico",
]

HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
NONCE = re.compile(r"'nonce-[^']*'")  # each response's own


def headers_with(client, settings, middleware, path):
    settings.MIDDLEWARE = [middleware if entry == OURS else entry for entry in settings.MIDDLEWARE]
    response = client.get(path)
    return {name: NONCE.sub("'nonce'", response.headers.get(name, "")) for name in HEADERS}


@pytest.mark.parametrize("path", PATHS)
def test_the_headers_are_the_librarys(client, settings, path):
    assert OURS in settings.MIDDLEWARE
    ours = headers_with(client, settings, OURS, path)
    library = headers_with(client, settings, LIBRARY, path)
    assert ours == library
    assert ours["Content-Security-Policy"]  # one policy on every response


@pytest.mark.parametrize(
    "policies",
    [
        {"CONTENT_SECURITY_POLICY_REPORT_ONLY": {"DIRECTIVES": {"default-src": ["'none'"]}}},
        {"CONTENT_SECURITY_POLICY": {"EXCLUDE_URL_PREFIXES": ["/api/"]}},
    ],
)
def test_changed_settings_are_read_again(client, settings, policies):
    policy.fixed_policies()  # built under the project's settings
    for name, value in policies.items():  # through the fixture alone: it undoes them
        setattr(settings, name, value)
    for path in ("/api/v1/", "/en/topics/"):
        ours = headers_with(client, settings, OURS, path)
        library = headers_with(client, settings, LIBRARY, path)
        assert ours == library, path


def _respond(view, path="/x/"):
    request = RequestFactory().get(path)
    middleware = policy.CSPMiddleware(lambda request: view(request))
    return middleware(request)


def test_a_view_that_changes_or_drops_its_policy_gets_the_librarys_answer():
    @csp_update({"img-src": ["https://example.org"]})
    def updated(request):
        return HttpResponse("ok")

    @csp_exempt()
    def exempt(request):
        return HttpResponse("ok")

    assert "https://example.org" in _respond(updated)["Content-Security-Policy"]
    assert "Content-Security-Policy" not in _respond(exempt)
    assert _respond(lambda request: HttpResponse("ok"))["Content-Security-Policy"]


def test_a_nonce_asked_for_after_the_header_is_an_error():
    request = RequestFactory().get("/x/")
    middleware = policy.CSPMiddleware(lambda request: HttpResponse("ok"))
    middleware(request)
    with pytest.raises(Exception, match="not available after the CSP header"):
        str(request.csp_nonce)

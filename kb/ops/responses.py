"""The response cache: public pages and API responses, replayed until the data changes.

A rendered response (a JSON list or record, an HTML page) is stored under
a key made of everything that shapes it (the method, scheme, host, path and
query, the Accept, Accept-Language and Origin headers, the language cookie)
and the data version (kb/db/version.py). Every write to any kb table
renews that version, so a write makes every stored response unreachable at
once: nothing stale is served, and nothing needs deleting (entries expire
after RESPONSE_CACHE_SECONDS, and the cache alias "responses" is bounded:
RESPONSE_CACHE_MAX_ENTRIES in local memory, Redis's own memory policy
with REDIS_URL). The version is read from the database the request reads
from (the replica, when there is one), before the view runs: a response
can only ever be stored under a version at least as old as its rows.

What is cached (cacheable_request, storable): GET requests under /en/,
/fr/ and /api/ from clients with no session and no credentials, without
conditional headers (those are answered by the views' own ETags, in one
query); responses with status 200 whose body is whole (not streamed), at
most RESPONSE_CACHE_MAX_BYTES long, that set no cookie, do not vary by
cookie, are not private, and carry no CSP nonce. A hit replays the stored
headers (ETag, Last-Modified, Vary, CORS, security headers) and body as
they were; under /api/ it still counts against the client's throttle
(RESPONSE_CACHE_THROTTLES), and a client over its limit gets the view's
429. `X-Response-Cache: hit` or `miss` says which happened.

It sits in MIDDLEWARE after the replica middleware (which picks the
database) and before everything whose headers it stores.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import cc_delim_re
from django.utils.module_loading import import_string

from ..db.routing import read_alias
from ..db.version import data_version

ALIAS = "responses"
HEADER = "X-Response-Cache"
PREFIXES = ("/en/", "/fr/", "/api/")
# Request headers that change a response, besides the URL.
KEYED_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_ORIGIN")
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_RANGE")


def cacheable_request(request):
    """An anonymous, unconditional GET of a public page or of the API."""
    if request.method != "GET" or not request.path.startswith(PREFIXES):
        return False
    if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    return not any(name in request.META for name in CONDITIONAL)


def cache_key(request, version):
    parts = [
        request.method,
        request.scheme,
        request.get_host(),  # an unknown host raises DisallowedHost: a 400, as without the cache
        request.get_full_path(),
        *(request.META.get(name, "") for name in KEYED_HEADERS),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
        str(version),
    ]
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    return f"response:{digest}"


def storable(response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if len(response.content) > settings.RESPONSE_CACHE_MAX_BYTES:
        return False
    vary = {v.lower() for v in cc_delim_re.split(response.get("Vary", "")) if v}
    if "cookie" in vary or "*" in vary:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return False
    # A nonce is meant for one response only (Swagger UI's page).
    policy = response.get("Content-Security-Policy", "")
    return "'nonce-" not in policy


def _throttles_allow(request):
    for prefix, dotted in settings.RESPONSE_CACHE_THROTTLES.items():
        if request.path.startswith(prefix) and not import_string(dotted)().allows(request):
            return False
    return True


class ResponseCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.RESPONSE_CACHE or not cacheable_request(request):
            return self.get_response(request)
        version = data_version(read_alias())
        if version is None:  # no version table (a database being set up): no cache
            return self.get_response(request)
        key = cache_key(request, version)
        cache = caches[ALIAS]
        entry = cache.get(key)
        if entry is not None and _throttles_allow(request):
            content, headers = entry
            response = HttpResponse(content)
            for name, value in headers:
                response.headers[name] = value
            response.headers[HEADER] = "hit"
            return response
        response = self.get_response(request)
        if storable(response):
            cache.set(key, (response.content, list(response.headers.items())))
            response.headers[HEADER] = "miss"
        return response

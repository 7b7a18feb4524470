"""Which requests read from the replica, and the pin that keeps a writer on the primary.

A safe-method request (GET, HEAD, OPTIONS) to the public pages (under a
language prefix, /en/, /fr/) or to the API (/api/) runs within
`reading_from_replica()`; every other request, the admin, the health checks,
and any POST, PUT, PATCH or DELETE, reads from the primary, whose rows it
may just have written.

The replica trails the primary: an editor who saves and then opens the
public page would see it as it was. So every unsafe-method request leaves a
signed cookie (django.core.signing, with its time) that keeps that client's
reads on the primary for REPLICA_PIN_SECONDS; a cookie that was tampered
with or has expired pins nothing. The cookie carries no data: it only says
"this client wrote a moment ago", and its signature means that no one
gets it but by a request of that kind, for REPLICA_PIN_SECONDS at most.

A replica that cannot be connected to leaves the reads to the primary:
the request that finds it down is served from the primary, and so is every
request of this process for the next RETRY_SECONDS, before it tries again.

The router (kb/db/routing.py) ignores all this when no replica is
configured (DATABASE_REPLICA_URL), and then no cookie is set.
"""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import FileResponse

from ..db.routing import REPLICA, has_replica, reading_from_replica

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/"
PIN_COOKIE = "kb_primary"
# Signatures made for this cookie are good for nothing else, and no other signature for it.
PIN_SALT = "kb.ops.replica.pin"
# Long enough that a dead replica costs one failed connection per process
# now and then, not one per request; short enough that reads return to it soon.
RETRY_SECONDS = 10.0

logger = logging.getLogger(__name__)
_down_until = 0.0  # per process: time.monotonic() before which the replica is not tried


def replicated_prefixes():
    """The paths whose reads may be a moment stale: the API, and the public pages."""
    return (API_PREFIX, *(f"/{code}/" for code, _name in settings.LANGUAGES))


def is_pinned(request):
    """Whether the request carries a valid pin: it wrote REPLICA_PIN_SECONDS ago at most."""
    seconds = settings.REPLICA_PIN_SECONDS
    if not seconds or PIN_COOKIE not in request.COOKIES:
        return False
    value = request.get_signed_cookie(PIN_COOKIE, default=None, salt=PIN_SALT, max_age=seconds)
    return value is not None


def reads_from_replica(request):
    """Whether this request's reads may go to the replica."""
    return (
        request.method in SAFE_METHODS
        and request.path_info.startswith(replicated_prefixes())
        and not is_pinned(request)
    )


def replica_unreachable():
    """Whether a configured replica is down now: it refused a connection, now or just before.

    Connecting is what the request's first read would do anyway; an open
    connection is used as it is.
    """
    global _down_until
    if not has_replica():
        return False
    if time.monotonic() < _down_until:
        return True
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError as error:
        _down_until = time.monotonic() + RETRY_SECONDS
        logger.warning(
            "The read replica is unreachable; reads go to the primary for %s s: %s",
            RETRY_SECONDS,
            str(error).strip(),
        )
        return True
    return False


def pin(response):
    """Keep this client's reads on the primary for the next REPLICA_PIN_SECONDS.

    The cookie travels as the session cookie does (Secure, HttpOnly,
    SameSite, domain), and the browser drops it when the pin ends.
    """
    seconds = settings.REPLICA_PIN_SECONDS
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=PIN_SALT,
        max_age=seconds,
        path=settings.SESSION_COOKIE_PATH,
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=settings.SESSION_COOKIE_HTTPONLY,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def _within_replica_reads(content):
    """A streamed body, each chunk made within replica reads: it is made after the view returns."""
    chunks = iter(content)
    while True:
        with reading_from_replica():
            try:
                chunk = next(chunks)
            except StopIteration:
                return
        yield chunk


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if reads_from_replica(request) and not replica_unreachable():
            with reading_from_replica():
                response = self.get_response(request)
            # A file's body reads no rows; an async one runs wherever the server runs it.
            if (
                response.streaming
                and not response.is_async
                and not isinstance(response, FileResponse)
            ):
                response.streaming_content = _within_replica_reads(response.streaming_content)
        else:
            response = self.get_response(request)
        if request.method not in SAFE_METHODS and settings.REPLICA_PIN_SECONDS and has_replica():
            pin(response)
        return response

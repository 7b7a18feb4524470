"""A request id on every request and response, and one access line per request.

RequestIdMiddleware comes first in MIDDLEWARE, so it times and names all
that the others do (static files served by WhiteNoise included) and sees
every response, a 500 included: Django turns exceptions below it into
responses, and its `django.request` logger writes their tracebacks while
the request's context is still bound. Django logs the other 4xx and 5xx
responses after the last middleware has returned, when the context is gone;
this one writes that same line first (Django then skips it), so it names
the request too.
"""

import logging
import re
import time
import uuid

from django.utils.log import log_response

from . import context

HEADER = "X-Request-ID"
# An id from a proxy or a client is kept when it is plain enough to log as it
# is; anything else (too long, spaces, quotes, newlines) is replaced.
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")

access_log = logging.getLogger("kb.ops.access")


def request_id_of(request):
    incoming = request.headers.get(HEADER, "")
    return incoming if VALID_ID.fullmatch(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_of(request)
        # The path without its query string: queries carry what readers searched for.
        token = context.bind(
            context.RequestContext(request.request_id, request.method, request.path)
        )
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            response.headers[HEADER] = request.request_id
            status = response.status_code
            if status >= 400:
                # As BaseHandler.get_response() would; a response logged already is skipped.
                log_response(
                    "%s: %s",
                    response.reason_phrase,
                    request.path,
                    response=response,
                    request=request,
                )
            # By status, so that DJANGO_LOG_LEVEL=WARNING keeps only the failures.
            level = logging.INFO
            if status >= 400:
                level = logging.ERROR if status >= 500 else logging.WARNING
            access_log.log(
                level,
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={"status": status, "duration_ms": duration_ms},
            )
            return response
        finally:
            context.unbind(token)

"""The request a log line belongs to, as a context variable.

RequestIdMiddleware (`middleware`) binds it for the length of a request; the JSON
formatter in `logs` reads it, so that any logger's line (Django's own
included) names the request without being handed it. Standard library only:
LOGGING imports the formatter before Django's apps are ready.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    method: str
    path: str


_current: ContextVar[RequestContext | None] = ContextVar("kb_ops_request", default=None)


def current():
    """The request being served in this context, or None outside a request."""
    return _current.get()


def bind(context):
    """Make `context` current; returns the token that `unbind` takes."""
    return _current.set(context)


def unbind(token):
    _current.reset(token)

"""gunicorn's settings for Entente: `make serve` runs `gunicorn -c config/gunicorn.py config.wsgi`.

Every value comes from the environment, with a default that suits a
two-core machine behind a reverse proxy (README, "Deploying"):

| variable | default | |
|---|---|---|
| GUNICORN_BIND | 127.0.0.1:$PORT, or 127.0.0.1:8000 | host:port (comma-separated for several) |
| WEB_CONCURRENCY | 2 x cores + 1 (5 on two cores) | worker processes |
| GUNICORN_THREADS | 1 (sync workers) | more than 1 runs gthread workers |
| GUNICORN_TIMEOUT | 60 | seconds a worker may spend on one request |
| GUNICORN_GRACEFUL_TIMEOUT | 30 | seconds to finish requests on stop or reload |
| GUNICORN_KEEPALIVE | 5 | seconds an idle keep-alive connection is kept (gthread) |
| GUNICORN_MAX_REQUESTS | 2000 | requests before a worker is replaced (0: never) |
| GUNICORN_MAX_REQUESTS_JITTER | 200 | up to this many more, per worker |

Logs: one JSON object a line, in the app's shape (kb/ops/logs.py). The access
log goes to stdout, one line per request with its request id, method, path
(no query string), status, duration, bytes sent and client address; the
app's own access line (kb.ops.access) is silenced here, since it would say the
same thing again. Everything else (gunicorn's own messages, Django's 4xx and
5xx lines with their tracebacks, the app's logs) stays on stderr.
DJANGO_LOG_LEVEL applies to both: WARNING keeps only failed requests.

Run as a script (`python config/gunicorn.py`), it checks the environment and
prints the values. `make serve` does that first: gunicorn reads
WEB_CONCURRENCY with a bare int() when it starts, before it reads this file,
so a value such as "four" would otherwise stop it with a traceback that does
not name the variable.
"""

import json
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
# gunicorn loads this file by path, before it puts the application on sys.path.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from kb.ops import context  # noqa: E402  (standard library only, no Django setup)
from kb.ops.logs import JsonFormatter  # noqa: E402

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def fail(message):
    """Stop with `message` alone: gunicorn reports other exceptions here as tracebacks."""
    raise SystemExit(f"config/gunicorn.py: {message}")


def whole_number(name, default, minimum, meaning):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        fail(f"{name}={raw!r}: expected {meaning}, a whole number of {minimum} or more.")
    return value


def cores():
    """The cores this process may run on (a CPU quota on a container is not seen)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def bind_addresses():
    explicit = os.environ.get("GUNICORN_BIND", "").strip()
    if explicit:
        return [address.strip() for address in explicit.split(",") if address.strip()]
    port = whole_number("PORT", 8000, 1, "a port number")
    if port > 65535:
        fail(f"PORT={port}: expected a port number, 1 to 65535.")
    # Loopback unless told otherwise: a container or a proxy on another host
    # sets GUNICORN_BIND=0.0.0.0:8000 (config/compose.yaml does).
    return [f"127.0.0.1:{port}"]


def log_level():
    level = os.environ.get("DJANGO_LOG_LEVEL", "INFO").strip().upper()
    if level not in LOG_LEVELS:
        fail(f"DJANGO_LOG_LEVEL={level!r}: expected one of {', '.join(LOG_LEVELS)}.")
    return level


# --- Server ---------------------------------------------------------------------------

wsgi_app = "config.wsgi:application"
chdir = str(REPO)
bind = bind_addresses()
proc_name = "entente"

# gunicorn's own rule of thumb, (2 x cores) + 1: while one worker waits on the
# database another uses the core. Each worker holds one database connection
# (two with the jobs alias) and about 100 MB.
workers = whole_number("WEB_CONCURRENCY", 2 * cores() + 1, 1, "the number of worker processes")
# 1 is a sync worker: the simplest, and what the benchmark measures. More threads
# switch gunicorn to gthread workers, which also keep connections alive.
threads = whole_number("GUNICORN_THREADS", 1, 1, "the number of threads per worker")

# A worker silent for this long is killed and replaced (the client gets a 502
# from the proxy). Pages and API lists answer in tens of milliseconds, and the
# admin's imports and exports run in the task worker, not in a request; the
# slowest legitimate requests left are CSV downloads of a whole list. 60 s
# covers those with room and still frees a stuck worker within a minute.
timeout = whole_number("GUNICORN_TIMEOUT", 60, 1, "seconds")
# On SIGTERM (a stop, a deploy) or SIGHUP (a reload), workers finish the
# requests they hold for up to this long. Keep the supervisor's own wait longer:
# config/compose.yaml's stop_grace_period is 45 s, the systemd unit's
# TimeoutStopSec 60 s.
graceful_timeout = whole_number("GUNICORN_GRACEFUL_TIMEOUT", 30, 0, "seconds")
# Idle keep-alive connections (gthread only: sync workers close each one). 5 s,
# above the 2 s default, so that a proxy reusing its connections to the app
# finds them open; a proxy's own idle timeout should be shorter than this.
keepalive = whole_number("GUNICORN_KEEPALIVE", 5, 0, "seconds")

# Memory hygiene: a worker is replaced after this many requests, so whatever a
# long-lived Python process accumulates (fragmented heap, per-process caches)
# is returned. The jitter spreads the restarts, so that workers that started
# together do not all reboot at once. A restart costs about 0.6 s of CPU (Django
# and the app load again), under 1% of what 2000 requests of the load test's
# mix cost.
max_requests = whole_number("GUNICORN_MAX_REQUESTS", 2000, 0, "a number of requests")
max_requests_jitter = whole_number("GUNICORN_MAX_REQUESTS_JITTER", 200, 0, "a number of requests")

# The app loads in each worker, not once in the master (preload_app is off):
# nothing the app opens while loading (a database or Redis connection) can be
# shared by forked processes, and a SIGHUP reloads new code.
preload_app = False

# Workers signal they are alive by touching a file: on a container's overlay
# filesystem that can stall, so use memory when there is some (gunicorn's docs).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


# --- Logs -----------------------------------------------------------------------------

LOG_LEVEL = log_level()
loglevel = LOG_LEVEL.lower()
# The line's message, as the app's access line writes it; the fields come from
# the same atoms (AccessFormatter below).
access_log_format = "%(m)s %(U)s %(s)s"


def _atom(atoms, key):
    """A raw atom, or None when absent (gunicorn's SafeAtoms would say "-")."""
    value = dict.get(atoms, key)
    # SafeAtoms escapes every double quote for its Apache-style format; JSON
    # escapes its own, so undo it (exactly: it only ever adds a backslash before one).
    return value.replace('\\"', '"') if isinstance(value, str) else value


def _status(record):
    atoms = record.args if isinstance(record.args, Mapping) else {}
    try:
        return int(str(_atom(atoms, "s")).split()[0])
    except (TypeError, ValueError, IndexError):
        return None


def _bytes_sent(atoms):
    sent = _atom(atoms, "B")
    # gunicorn does not count what it sends with sendfile() (static files through
    # wsgi.file_wrapper): it sends exactly the Content-Length then.
    length = _atom(atoms, "{content-length}o")
    if not sent and length and length.isdigit() and _atom(atoms, "m") != "HEAD":
        return int(length)
    return sent


def _client(atoms):
    """The client's address as throttling and the login lockout count it (DJANGO_NUM_PROXIES).

    Behind a proxy the socket's address is always the proxy's; kb.ops.clients owns
    the rule, so it is asked here with the two values it reads.
    """
    from django.core.exceptions import ImproperlyConfigured

    from kb.ops.clients import client_address

    remote = _atom(atoms, "h")
    forwarded = _atom(atoms, "{x-forwarded-for}i")
    request = SimpleNamespace(
        META={"REMOTE_ADDR": remote},
        headers={"X-Forwarded-For": forwarded} if forwarded else {},
    )
    try:
        return client_address(request)
    except ImproperlyConfigured:  # Django not set up: in the master, before a worker loads it
        return remote


class _Unescaped(dict):
    def __missing__(self, key):
        return "-"


class AccessFormatter(JsonFormatter):
    """gunicorn's access line in the app's JSON shape, plus `bytes` and `client`."""

    def format(self, record):
        atoms = record.args
        if not isinstance(atoms, Mapping):
            return super().format(record)
        # The message too, from the atoms as they came.
        record.args = _Unescaped({key: _atom(atoms, key) for key in atoms})
        duration_us = _atom(atoms, "D")
        record.status = _status(record)
        record.duration_ms = round(duration_us / 1000, 2) if duration_us is not None else None
        # The formatter names a line's request from the context the middleware
        # binds; that is gone by now, so bind the same values from the atoms.
        # The id is the one the app put on the response.
        token = context.bind(
            context.RequestContext(
                _atom(atoms, "{x-request-id}o"), _atom(atoms, "m"), _atom(atoms, "U")
            )
        )
        try:
            entry = json.loads(super().format(record))
        finally:
            context.unbind(token)
        entry["bytes"] = _bytes_sent(atoms)
        entry["client"] = _client(atoms)
        return json.dumps(entry, ensure_ascii=False, default=str)


class AccessLevel(logging.Filter):
    """Levels by status, as the app's access line has them (4xx WARNING, 5xx ERROR),
    and DJANGO_LOG_LEVEL applied to them: gunicorn logs every access line at INFO."""

    def __init__(self, threshold="INFO"):
        super().__init__()
        self.threshold = logging.getLevelName(threshold)

    def filter(self, record):
        status = _status(record)
        if status is not None and status >= 400:
            record.levelno = logging.ERROR if status >= 500 else logging.WARNING
            record.levelname = logging.getLevelName(record.levelno)
        return record.levelno >= self.threshold


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": JsonFormatter},
        "access": {"()": AccessFormatter},
    },
    "filters": {"access_level": {"()": AccessLevel, "threshold": LOG_LEVEL}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "access",
            "filters": ["access_level"],
        },
        "stderr": {"class": "kb.ops.logs.StderrHandler", "formatter": "json"},
        # A logger with no handler at all falls back to logging's last resort.
        "nowhere": {"class": "logging.NullHandler"},
    },
    # Until a worker loads Django, whose LOGGING then takes over the root logger.
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        # Django's LOGGING names no parent of this logger, so it stays silenced
        # once a worker has configured Django's logging.
        "kb.ops.access": {"handlers": ["nowhere"], "propagate": False},
    },
}


if __name__ == "__main__":
    for name in (
        "bind",
        "workers",
        "threads",
        "timeout",
        "graceful_timeout",
        "keepalive",
        "max_requests",
        "max_requests_jitter",
        "loglevel",
    ):
        print(f"{name} = {globals()[name]!r}")

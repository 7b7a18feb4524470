"""The production path's services as settings: the read replica and the Redis cache.

config/settings.py calls these with its django-environ reader; each refuses a
value it cannot use at start, with a message naming the variable, rather than
on the first request (README, "Deploying").
"""

import re

from django.core.exceptions import ImproperlyConfigured

POSTGRESQL = "django.db.backends.postgresql"


def replica_database(env, default_db):
    """The "replica" alias from DATABASE_REPLICA_URL, or None without it.

    A PostgreSQL hot standby of DATABASE_URL's server: the public pages' and
    the API's reads go to it (kb/ops/replica.py decides which requests),
    everything else to the primary.
    """
    url = env.str("DATABASE_REPLICA_URL", default="").strip()
    if not url:
        return None
    replica = env.db_url_config(url)
    if replica.get("ENGINE") != POSTGRESQL or default_db["ENGINE"] != POSTGRESQL:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must be a PostgreSQL URL "
            "(postgres://user@replica-host:5432/name), and DATABASE_URL a PostgreSQL "
            "database too: a replica is a standby of the primary's server."
        )
    # A physical standby holds the primary's databases under the same names.
    replica["NAME"] = replica["NAME"] or default_db["NAME"]
    # The test runner creates no database on a read-only server: the alias
    # points at the primary's test database instead. That alone would prove
    # nothing of the replica, so the replica tests (tests/ops/test_replica.py,
    # run by tests/ops/replica.sh) point the alias back at the real standby.
    replica["TEST"] = {"MIRROR": "default"}
    return replica


def cache_key_prefix(env):
    """CACHE_KEY_PREFIX: every key starts with it, so that several deployments
    (staging and production, say) can share one Redis server without reading
    each other's counts, sessions or throttling."""
    prefix = env.str("CACHE_KEY_PREFIX", default="entente").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", prefix):
        # No ':' (it separates the prefix from the rest of a key) and no glob
        # characters, so that `SCAN MATCH <prefix>:*` finds this deployment's keys only.
        raise ImproperlyConfigured(
            f"CACHE_KEY_PREFIX={prefix!r}: expected letters, digits, '_', '.' or '-'."
        )
    return prefix


def cache_timeout(env, name, default):
    """Seconds, for CACHE_CONNECT_TIMEOUT and CACHE_SOCKET_TIMEOUT.

    A dead cache must cost a request milliseconds, not seconds: redis-py waits
    5 s by default to connect and to read. A healthy Redis on the same network
    answers in well under a millisecond, so the defaults leave room for load
    and still fail fast; a Redis that is refused (stopped, wrong port) fails at
    once whatever they say.
    """
    # Read as text: django-environ's float() drops what is not a digit ("1s" is 1).
    text = env.str(name, default=default).strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    # django-redis ignores a zero timeout (redis-py's 5 s apply then).
    if seconds is None or not 0 < seconds <= 30:
        raise ImproperlyConfigured(
            f"{name}={text!r}: expected seconds, above 0 and at most 30 (e.g. {default})."
        )
    return seconds


def redis_caches(url, prefix, connect_timeout, socket_timeout, response_seconds):
    """CACHES for REDIS_URL: the "default", "counts" and "responses" aliases, all Redis."""
    from redis import ConnectionPool

    # A URL redis-py cannot use would fail on the first request, and on every
    # one after it, as an error the cache cannot ignore: refuse it at start
    # instead. Building one connection object checks the scheme, the port, the
    # database number and the query's options; it opens no socket.
    try:
        ConnectionPool.from_url(url).make_connection()
    except (TypeError, ValueError) as error:
        raise ImproperlyConfigured(
            f"REDIS_URL: {error} (expected redis://[:password@]host:6379/0, rediss://... "
            "for TLS, or unix:///path/to/redis.sock?db=0)."
        ) from None
    options = {
        "SOCKET_CONNECT_TIMEOUT": connect_timeout,
        "SOCKET_TIMEOUT": socket_timeout,
        # Even short timeouts add up over the cache reads of one page when
        # Redis hangs: after a connection error or a timeout, each process
        # leaves Redis alone for a few seconds (kb/ops/cache.py).
        "REDIS_CLIENT_CLASS": "kb.ops.cache.PausingRedis",
        "REDIS_CLIENT_KWARGS": {"pause": 5.0},
        # The cache only ever saves work: every value in it can be computed
        # again from the database (counts), lives there too (sessions,
        # cached_db), or may be lost (throttling counts, which then start
        # again). So a Redis that is down, full or slow turns each read into a
        # miss and each write into nothing, and pages, the API and the admin
        # serve from the database. Connection errors, timeouts and Redis's
        # error replies are ignored; a bug (a value that cannot be pickled)
        # still raises.
        "IGNORE_EXCEPTIONS": True,
    }
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": options,
        },
        # Its own prefix within the deployment's, so that the two aliases never
        # meet; both share one connection pool per process (django-redis pools
        # by URL). Every key has a lifetime (kb/db/counts.py gives counts a day),
        # so a server with `maxmemory-policy volatile-lru` evicts old versions'
        # counts first and never RQ's queues, which have none.
        "counts": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"{prefix}:counts",
            "OPTIONS": options,
        },
        # Shared by every web process, so a response rendered by one is a hit
        # in all. Entries have a lifetime too (RESPONSE_CACHE_SECONDS): the
        # server's maxmemory bounds them.
        "responses": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"{prefix}:responses",
            "TIMEOUT": response_seconds,
            "OPTIONS": options,
        },
    }

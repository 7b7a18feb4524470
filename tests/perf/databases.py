"""The benchmark's databases and cache: which it uses, and how it creates or empties them.

Never the development database: bench.sqlite3 (or DATABASE_URL's) at the big
scale, the same name with `_<scale>` at the small one; Redis db 13 on
PostgreSQL, its keys under the bench's prefix only. tests/perf/bench.py fills
the databases (prepare_database) and runs the servers on them.
"""

import urllib.parse
from pathlib import Path

from tests.perf.servers import CACHE_KEY_PREFIX

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = REPO / "bench.sqlite3"
DEV_SQLITE = REPO / "db.sqlite3"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"

# --- The databases -----------------------------------------------------------------------


def is_postgres(url):
    return url.startswith(("postgres:", "postgresql:", "pgsql:"))


def sqlite_path(url):
    """The file a sqlite:// URL names, as settings read it; relative to the repository."""
    import environ

    name = Path(environ.Env.db_url_config(url)["NAME"])
    return name if name.is_absolute() else REPO / name


def bench_database_url(environ):
    """DATABASE_URL, or bench.sqlite3; refuses the development database."""
    url = environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    if is_postgres(url):
        return url
    path = sqlite_path(url)
    if path.resolve() == DEV_SQLITE.resolve():
        raise SystemExit("Refusing to benchmark on the development database db.sqlite3.")
    # Absolute, so that the servers (run from the repository) and this process agree.
    return f"sqlite:///{path}"


def scale_label(scale):
    """10.0 as 10, 0.5 as 0.5: as `synthesize --scale` and the results show it."""
    return int(scale) if scale == int(scale) else scale


def small_database_url(url, small_scale):
    """The big scale's database with `_<small scale>` added to its name."""
    suffix = "_" + str(scale_label(small_scale)).replace(".", "_")
    if is_postgres(url):
        parts = urllib.parse.urlparse(url)
        return parts._replace(path=parts.path + suffix).geturl()
    path = sqlite_path(url)
    return f"sqlite:///{path.with_name(path.stem + suffix + path.suffix)}"


def ensure_postgres_database(url):
    """Create the PostgreSQL database named in url when it does not exist."""
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- The cache ---------------------------------------------------------------------------


def redis_url_for(environ, postgres):
    """The servers' Redis: the caller's REDIS_URL; on PostgreSQL runs db 13 by
    default, as a deployment on PostgreSQL would have one; on SQLite none (the
    local-memory cache)."""
    return environ.get("REDIS_URL", "").strip() or (DEFAULT_REDIS_URL if postgres else "")


def empty_cache(redis_url, prefix=CACHE_KEY_PREFIX):
    """Delete the keys under the bench's prefix, so that the warm server starts
    empty and fills its cache in its own warm-up; other keys are left alone."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        batch, deleted = [], 0
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                deleted += client.delete(*batch)
                batch = []
        if batch:
            deleted += client.delete(*batch)
    except redis.RedisError as error:
        # The cache ignores a Redis that is down: the warm run would measure misses.
        raise SystemExit(
            f"Redis at {redis_url} is unusable ({error}): start it or set REDIS_URL."
        ) from None
    finally:
        client.close()
    return deleted

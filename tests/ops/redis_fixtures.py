"""Fixtures of the tests marked `redis` (a plugin: they name it in `pytest_plugins`).

They need the Redis server on 127.0.0.1:6379 and fail, not skip, without it
(.ci/run starts it). Each test gets a key prefix of its own (CACHE_KEY_PREFIX)
and leaves no key behind. A test that needs a Redis to stop starts one of its
own on a free port, and stops it; the shared server is never touched beyond its
own keys.
"""

import socket
import uuid

import pytest
import redis as redis_py

from tests.ops.redis_support import SHARED_URL, RedisServer, keys_under, use_redis


@pytest.fixture
def redis():
    """A client of the shared server; the test fails if it does not answer."""
    client = redis_py.Redis.from_url(SHARED_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis_py.RedisError as error:
        pytest.fail(
            f"Redis does not answer on 127.0.0.1:6379 ({error}); the tests marked `redis` "
            "need it: redis-server --daemonize yes --port 6379 --save '' --appendonly no"
        )
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis):
    """A CACHE_KEY_PREFIX no other test uses; its keys are deleted after the test."""
    prefix = f"test-redis-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in keys_under(redis, prefix):
        redis.delete(key)
    assert not keys_under(redis, prefix)


@pytest.fixture
def redis_cache(settings, key_prefix):
    """Both cache aliases on the shared server, as production has them; gives the prefix."""
    use_redis(settings, SHARED_URL, key_prefix)
    return key_prefix


@pytest.fixture
def refused_url():
    """A Redis URL whose port refuses connections: bound, never listening, held for the test."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield f"redis://127.0.0.1:{holder.getsockname()[1]}/0"


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own, started on a free port and stopped after."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()

"""The Redis cache's client (settings name it): a Redis that stops answering is let be a while.

django-redis turns a failed command into a miss (IGNORE_EXCEPTIONS), but each
command still waits for its own failure. A Redis that refuses connections
fails at once; one that is hung, or a host that drops packets, costs each
command its whole timeout, and a page reads the cache several times (the home
page, a count per type). After a connection error or a timeout, this client
fails every command at once for `pause` seconds, then lets the next one try
again: a process pays the timeout once per pause, not once per cache read.
"""

import time

from redis import Redis
from redis.exceptions import ConnectionError, MaxConnectionsError, TimeoutError

# When each connection pool's server may be tried again, by pool: django-redis
# keeps one pool per URL for the life of the process, shared by its threads and
# by every cache alias on that URL, while clients come and go.
_resume_at = {}


class PausingRedis(Redis):
    """redis-py's client, failing at once for `pause` seconds after its server failed."""

    def __init__(self, *args, pause=5.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.pause = pause

    def execute_command(self, *args, **options):
        pool = id(self.connection_pool)
        resume_at = _resume_at.get(pool)
        if resume_at is not None and time.monotonic() < resume_at:
            raise ConnectionError(
                f"Redis not tried for {self.pause:g} s after a connection error or a timeout"
            )
        try:
            result = super().execute_command(*args, **options)
        except MaxConnectionsError:
            # This process's pool is full: the server is not at fault.
            raise
        except (ConnectionError, TimeoutError):
            _resume_at[pool] = time.monotonic() + self.pause
            raise
        if resume_at is not None:
            _resume_at.pop(pool, None)
        return result

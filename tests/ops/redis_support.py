"""The Redis cache as config/settings.py builds it, and Redis servers of a test's own.

For the tests marked `redis`; their fixtures are in redis_fixtures.py.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis as redis_py

REPO = Path(__file__).resolve().parents[2]
SHARED_URL = "redis://127.0.0.1:6379/0"
# What the cache section of config/settings.py sets.
READ = (
    "import json; from django.conf import settings as s; print(json.dumps({name: "
    "getattr(s, name, None) for name in ('CACHES', 'SESSION_ENGINE', "
    "'DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS', 'CACHE_KEY_PREFIX', 'CACHE_CONNECT_TIMEOUT', "
    "'CACHE_SOCKET_TIMEOUT')}))"
)


def read_settings(**variables):
    """A process of its own reads config/settings.py with nothing set but `variables`.

    Returns (returncode, the settings as a dict or None, stderr).
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    values = json.loads(result.stdout.splitlines()[-1]) if result.returncode == 0 else None
    return result.returncode, values, result.stderr


def production_settings(**variables):
    returncode, values, stderr = read_settings(**variables)
    assert returncode == 0, stderr
    return values


def use_redis(settings, url, prefix, **options):
    """This test's settings, as config/settings.py makes them with REDIS_URL=url.

    `options` change the django-redis OPTIONS of both aliases (a shorter pause).
    """
    values = production_settings(REDIS_URL=url, CACHE_KEY_PREFIX=prefix)
    for alias in values["CACHES"].values():
        alias["OPTIONS"].update(options)
    # Before CACHES: each cache reads it when it is built, on first use.
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = values["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"]
    settings.SESSION_ENGINE = values["SESSION_ENGINE"]
    settings.CACHES = values["CACHES"]
    return values


def keys_under(client, prefix):
    return sorted(k.decode() for k in client.scan_iter(match=f"{prefix}:*", count=1000))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, on a free port, without persistence."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--daemonize", "no"]
            + ["--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis_py.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis_py.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()

    def client(self):
        return redis_py.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1
        )

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

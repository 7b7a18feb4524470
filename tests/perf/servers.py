"""The benchmark's servers and load (tests/perf/bench.py): gunicorn, Datasette and wrk.

Each server is a process of its own on a free port, started from the same
checkout; `measure` runs wrk against one URL, `measure_interleaved` alternates
several (a case cold, at the small scale and on Datasette, so that all see the
machine in the same minutes).
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.perf import report

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("wrk_report.lua")
DATASETTE_PLUGINS = Path(__file__).with_name("datasette_plugins")
CACHE_KEY_PREFIX = "entente-bench"
WARMUP_S = 3


def with_persistent_connections(url):
    """The URL for the server: gunicorn's sync workers keep one connection each."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}conn_max_age=600"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, timeout=60, processes=None):
    """Until url answers 200; `processes` ({name: Popen}) that stop first end the wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in (processes or {}).items():
            if process.poll() is not None:
                raise SystemExit(f"{name} stopped (exit {process.returncode}) before serving")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up in {timeout} s")


def server_environment(database_url, response_cache, redis_url="", key_prefix=CACHE_KEY_PREFIX):
    """A gunicorn's environment: the cold and the warm server differ in RESPONSE_CACHE only."""
    env = {
        **os.environ,
        "DATABASE_URL": with_persistent_connections(database_url),
        "RESPONSE_CACHE": response_cache,
        "DJANGO_ROOT_URLCONF": "tests.perf.urls",
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_ANON_THROTTLE_RATE": "none",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["CACHE_KEY_PREFIX"] = key_prefix
    return env


def start_gunicorn(env, port):
    command = [
        str(BIN / "gunicorn"),
        "config.wsgi:application",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=REPO, env=env)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/")
    except SystemExit:
        stop(process)
        raise
    return process


def start_datasette(path, port):
    command = [str(BIN / "datasette"), "serve", "-i", str(path), "-h", "127.0.0.1"]
    # The collations the cases' order needs (kb/db/collation.py).
    command += ["-p", str(port), "--plugins-dir", str(DATASETTE_PLUGINS)]
    # Uvicorn's start and stop lines would land in the middle of the report.
    log = Path(tempfile.gettempdir()) / "entente-bench-datasette.log"
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/-/versions.json")
    except SystemExit:
        stop(process)
        raise SystemExit(f"Datasette did not come up: see {log}") from None
    return process


def stop(process):
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wrk(url, duration):
    command = [
        "wrk",
        f"-t{report.THREADS}",
        f"-c{report.CONNECTIONS}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return report.parse_wrk(output)


def measure(url, duration, runs):
    """A warm-up, then the median of `runs` runs."""
    wrk(url, WARMUP_S)
    return report.median_of_runs([wrk(url, duration) for _ in range(runs)])


def measure_interleaved(urls, duration, runs):
    """Several URLs' figures, their runs alternating, in the order given: a case cold,
    at the small scale and on Datasette; or the HTML list and its JSON.

    Measured minutes apart, two servers saw different machines (another
    process, a slower minute): on a shared 2-core machine one case's
    throughput moved by 40% within a minute, so the growth ratio showed the
    machine rather than the data's size, and the ratio to Datasette the
    minute each was measured in. Alternating run by run gives all the same
    conditions. Each URL gets a warm-up first, and each round starts one URL
    further on (A B C, B C A, C A B), so that no URL always follows the same one.
    """
    for url in urls:
        wrk(url, WARMUP_S)
    figures = [[] for _ in urls]
    for round_ in range(runs):
        for step in range(len(urls)):
            index = (round_ + step) % len(urls)
            figures[index].append(wrk(urls[index], duration))
    return [report.median_of_runs(runs_of_url) for runs_of_url in figures]


def worker_rss_mb(master_pid):
    """The largest resident memory among the gunicorn master's children, in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.MULTILINE):
            rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.MULTILINE)
            if rss:
                sizes.append(int(rss.group(1)) / 1024)
    return max(sizes) if sizes else None

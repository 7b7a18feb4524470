"""`make bench`: Entente's read paths at scale, beside raw SQL, a bare Django view and Datasette.

    .venv/bin/python tests/perf/bench.py [--scale 100] [--duration 10] [--runs 3]

Runs on its own database: `bench.sqlite3` at the repository root unless
DATABASE_URL is set (a PostgreSQL database is created if missing); never
the development database. It migrates it, fills it with
`manage.py synthesize --scale N` unless it already holds that scale, and
adds one event with 50 participants for the detail case.

Each case is measured four ways, in the same run:
- the app, served by gunicorn (2 sync workers, persistent database
  connections) and loaded by wrk (2 threads, 4 connections): a 3 s warm-up,
  then the median of 3 runs of 10 s (p50, p95, requests per second);
- the floor in SQL: the same rows fetched with raw SQL in this process
  (p50 of many repetitions);
- the floor in HTTP: a bare view of tests/perf/floor.py in the same gunicorn,
  returning the same rows with values();
- on SQLite, Datasette serving the same file (`datasette serve -i`) with the
  equivalent table query and `_shape=objects&_nocount=1&_nofacet=1&_nosuggest=1`,
  and once more with its default options (facet suggestions on), for reference.

Queries per request are counted in this process with Django's test client.
Prints a table of the figures and their ratios, says which of the issue's
targets are met, and writes bench-results.json at the repository root.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("wrk_report.lua")
RESULTS = REPO / "bench-results.json"
DEFAULT_SQLITE = REPO / "bench.sqlite3"
DEV_SQLITE = REPO / "db.sqlite3"

WARMUP_S = 3

# Run as a script, this file's folder is on the path, not the repository's.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.perf import cases, report  # noqa: E402

# --- The database ------------------------------------------------------------------------


def bench_database_url(environ):
    """DATABASE_URL, or bench.sqlite3; refuses the development database."""
    url = environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    if url.startswith("sqlite:"):
        path = Path(urllib.parse.urlparse(url).path)
        if path.resolve() == DEV_SQLITE.resolve():
            raise SystemExit("Refusing to benchmark on the development database db.sqlite3.")
    return url


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


def with_persistent_connections(url):
    """The URL for the server: gunicorn's sync workers keep one connection each."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}conn_max_age=600"


def queries_per_request(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return len(context.captured_queries)


def sql_floor_p50(case, budget_s=2.0, max_reps=200):
    """Raw SQL in this process: the page's rows, then their citations or participants."""
    from django.db import connection

    sql, params = case["sql"]
    related_sql, related_params = case["sql_related"]
    timings = []
    deadline = time.perf_counter() + budget_s
    with connection.cursor() as cursor:
        while len(timings) < max_reps and (not timings or time.perf_counter() < deadline):
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            ids = [row[0] for row in rows]
            if ids:
                placeholders = ", ".join(["%s"] * len(ids))
                cursor.execute(related_sql.format(ids=placeholders), [*related_params, *ids])
                cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


# --- Servers and load ----------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up in {timeout} s")


def start_gunicorn(database_url, port):
    env = {
        **os.environ,
        "DATABASE_URL": with_persistent_connections(database_url),
        "DJANGO_ROOT_URLCONF": "tests.perf.urls",
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_ANON_THROTTLE_RATE": "none",
    }
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
    wait_for(f"http://127.0.0.1:{port}/api/v1/")
    return process


def start_datasette(path, port):
    command = [str(BIN / "datasette"), "serve", "-i", str(path), "-h", "127.0.0.1"]
    command += ["-p", str(port)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/-/versions.json")
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


# --- Main ---------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", 100)))
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per case (median)")
    args = parser.parse_args(argv)
    scale = int(args.scale) if args.scale == int(args.scale) else args.scale
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it).")

    database_url = bench_database_url(os.environ)
    if database_url.startswith(("postgres:", "postgresql:")):
        ensure_postgres_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_ROOT_URLCONF"] = "tests.perf.urls"
    os.environ["API_ANON_THROTTLE_RATE"] = "none"
    os.environ["DJANGO_DEBUG"] = "false"  # no query log slowing the SQL floor down
    # The production stack over plain HTTP on loopback (`make bench` sets the same):
    # a throwaway key, no HTTPS redirect, no secure-only cookies.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SESSION_COOKIE_SECURE"):
        os.environ.setdefault(name, "false")
    os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core import signals
    from django.db import close_old_connections, connection
    from django.test import Client

    # As Django's test runner does: one connection for the whole process.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    cases.prepare(args.scale)
    vendor = connection.vendor
    measured = cases.make_cases()
    client = Client(HTTP_HOST="127.0.0.1")
    for case in measured:
        case["queries"] = queries_per_request(client, case["url"])
        queries_per_request(client, case["floor"])
        case["floor_sql_p50_ms"] = sql_floor_p50(case)
        floor_ms = case["floor_sql_p50_ms"]
        print(f"{case['name']}: {case['queries']} queries, SQL floor {floor_ms:.2f} ms")
    database_path = Path(connection.settings_dict["NAME"]) if vendor == "sqlite" else None
    connection.close()

    app_port = free_port()
    gunicorn = start_gunicorn(database_url, app_port)
    datasette = None
    endpoints = []
    try:
        if database_path is not None:
            if database_path.stem != "bench":
                raise SystemExit("Datasette's URLs assume the database file is named bench.*")
            ds_port = free_port()
            datasette = start_datasette(database_path, ds_port)
        for case in measured:
            app = measure(f"http://127.0.0.1:{app_port}{case['url']}", args.duration, args.runs)
            floor = measure(f"http://127.0.0.1:{app_port}{case['floor']}", args.duration, args.runs)
            entry = {
                "name": case["name"],
                "url": case["url"],
                "p50_ms": app["p50_ms"],
                "p95_ms": app["p95_ms"],
                "rps": app["rps"],
                "errors": app["errors"],
                "queries": case["queries"],
                "floor_sql_p50_ms": case["floor_sql_p50_ms"],
                "floor_http_p50_ms": floor["p50_ms"],
                "floor_http_rps": floor["rps"],
                "datasette_p50_ms": None,
                "datasette_rps": None,
                "datasette_default_p50_ms": None,
                "datasette_default_rps": None,
            }
            if datasette is not None:
                flagged, default = cases.datasette_variants(case["datasette"])
                ds = measure(f"http://127.0.0.1:{ds_port}{flagged}", args.duration, args.runs)
                ds_default = measure(f"http://127.0.0.1:{ds_port}{default}", args.duration, 1)
                entry.update(
                    datasette_p50_ms=ds["p50_ms"],
                    datasette_rps=ds["rps"],
                    datasette_errors=ds["errors"],
                    datasette_url=flagged,
                    datasette_default_p50_ms=ds_default["p50_ms"],
                    datasette_default_rps=ds_default["rps"],
                )
            endpoints.append(entry)
            print(
                f"  {case['name']}: p50 {app['p50_ms']:.1f} ms, p95 {app['p95_ms']:.1f} ms, "
                f"{app['rps']:.0f} req/s (floor p50 {floor['p50_ms']:.1f} ms)",
                flush=True,
            )
        rss = worker_rss_mb(gunicorn.pid)
    finally:
        stop(gunicorn)
        stop(datasette)

    results = report.build_results(
        scale,
        vendor,
        endpoints,
        worker_rss_mb=rss,
        extra={
            "settings": {
                "server": "gunicorn, 2 sync workers, conn_max_age=600",
                "load": f"wrk -t{report.THREADS} -c{report.CONNECTIONS}, {WARMUP_S} s warm-up, "
                f"median of {args.runs} × {args.duration} s",
                "cpus": os.cpu_count(),
            }
        },
    )
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(report.format_table(results))
    print(f"\nWrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()

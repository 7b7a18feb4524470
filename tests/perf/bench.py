"""`make bench`: Entente's read paths, cold and warm, at two scales, beside floors and Datasette.

    .venv/bin/python tests/perf/bench.py [--scale 100] [--small-scale 10]
        [--duration 5] [--runs 3] [--only page_1,html_list]

Runs on databases of its own, never the development one: at the big scale
`bench.sqlite3` at the repository root, or DATABASE_URL's database (a
PostgreSQL database is created if missing); at the small scale the same name
with `_10` added (`bench_10.sqlite3`, `<name>_10`). Each is migrated, filled
with `manage.py synthesize --scale N` unless it already holds that scale,
and given one event with 50 participants for the detail case (cases.prepare,
in a process of its own per database, so that each gets its own settings).

At the big scale each case is measured five ways, in the same run:
- the app cold: gunicorn (2 sync workers, persistent database connections,
  RESPONSE_CACHE=off) loaded by wrk (2 threads, 4 connections): a 3 s
  warm-up, then the median of 3 runs of 5 s (p50, p95, requests per second);
- the app warm: a second gunicorn, RESPONSE_CACHE=on, measured the same way
  (its warm-up fills the cache). On PostgreSQL both use Redis (REDIS_URL, by
  default redis://127.0.0.1:6379/13, keys under CACHE_KEY_PREFIX=entente-bench,
  emptied first); on SQLite the local-memory cache unless REDIS_URL is set;
- the floor in SQL: the same rows fetched with raw SQL in this process
  (p50 of many repetitions);
- the floor in HTTP: a bare view of tests/perf/floor.py in the cold gunicorn
  (the response cache never serves it), returning the same rows with values();
- on SQLite, Datasette serving the same file (`datasette serve -i`, with
  tests/perf/datasette_plugins/ for the collations the lists' order uses) with
  the equivalent query (SQL where the app's order takes more than the one column
  its table view sorts by) and `_shape=objects&_nocount=1&_nofacet=1&_nosuggest=1`,
  and one run with its default options (facet suggestions on), for reference.
At the small scale the app is measured cold only, for each case's growth, by
a gunicorn of its own. The runs of the figures compared with each other
alternate: the big scale's cold run, the small scale's and Datasette's, in
turn, three rounds each starting one further on, so that all see the machine
as it is in the same minutes.

Queries per request are counted in this process with Django's test client
(response cache off). Prints one table and issue 13's targets, met or not,
writes bench-results.json and bench-results.md (the same in Markdown) at the
repository root, and exits 0 either way: it is a report, not a test.
"""

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench-results.json"
MARKDOWN = REPO / "bench-results.md"


# Run as a script, this file's folder is on the path, not the repository's.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.perf import cases, report, tables  # noqa: E402
from tests.perf.databases import (  # noqa: E402
    bench_database_url,
    empty_cache,
    ensure_postgres_database,
    is_postgres,
    redis_url_for,
    scale_label,
    small_database_url,
    sqlite_path,
)
from tests.perf.servers import (  # noqa: E402
    CACHE_KEY_PREFIX,
    WARMUP_S,
    free_port,
    measure,
    measure_interleaved,
    server_environment,
    start_datasette,
    start_gunicorn,
    stop,
    worker_rss_mb,
)

# --- The databases, filled -------------------------------------------------------------


def prepare_database(url, scale, cases_json=None):
    """Migrate and fill url's database at `scale`, in a child process of its own.

    A process per database: its settings (the jobs alias beside the SQLite
    file, the connections) are built from DATABASE_URL once, at start, and
    nothing of the other database lingers in them.
    """
    if is_postgres(url):
        ensure_postgres_database(url)
    command = [sys.executable, str(Path(__file__).resolve()), "--prepare-only"]
    command += ["--scale", str(scale)]
    if cases_json:
        command += ["--cases-json", str(cases_json)]
    subprocess.run(command, cwd=REPO, env={**os.environ, "DATABASE_URL": url}, check=True)


# Issue 14's cases' names, known before Django is set up (cases.make_view_cases).
VIEW_CASE_NAMES = [
    {"name": name} for name in ("graph_of_an_event", "map_for_dates", "connections_page")
]


def select_cases(all_cases, only, also=()):
    """The cases `--only` names (comma-separated), in cases.py's order; all without it.

    `also`: the other list's cases, whose names --only may give too (the read
    cases and the views' are selected from one --only).
    """
    if not only:
        return list(all_cases)
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    known = [case["name"] for case in [*all_cases, *also]]
    unknown = sorted(wanted - set(known))
    if unknown or not wanted:
        raise SystemExit(
            f"--only: unknown case(s) {', '.join(unknown) or '(none given)'}; "
            f"the cases are {', '.join(known)}."
        )
    return [case for case in all_cases if case["name"] in wanted]


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


# --- Main ---------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("SCALE", 100)),
        help="the big scale: every figure (default 100, or SCALE)",
    )
    parser.add_argument(
        "--small-scale",
        type=float,
        default=10,
        help="the small scale, for each case's growth: the app cold only (default 10; 0 skips it)",
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured run")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per case (median)")
    parser.add_argument("--only", default="", help="these cases only, comma-separated")
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="migrate and fill DATABASE_URL's database at --scale, then stop",
    )
    parser.add_argument(
        "--cases-json", help="with --prepare-only: write the cases' names and URLs to this file"
    )
    return parser.parse_args(argv)


def configure_environment(database_url):
    """This process's settings, before Django starts (inherited by --prepare-only)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_ROOT_URLCONF"] = "tests.perf.urls"
    os.environ["API_ANON_THROTTLE_RATE"] = "none"
    os.environ["DJANGO_DEBUG"] = "false"  # no query log slowing the SQL floor down
    # Queries are counted as a cold request makes them.
    os.environ["RESPONSE_CACHE"] = "off"
    # The production stack over plain HTTP on loopback (`make bench` sets the same):
    # a throwaway key, no HTTPS redirect, no secure-only cookies.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SESSION_COOKIE_SECURE"):
        os.environ.setdefault(name, "false")
    os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def setup_django():
    import django

    django.setup()
    from django.core import signals
    from django.db import close_old_connections

    # As Django's test runner does: one connection for the whole process.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)


def prepare_only(args):
    """The child of prepare_database(): DATABASE_URL's database, at --scale."""
    configure_environment(os.environ["DATABASE_URL"])
    setup_django()
    cases.prepare(scale_label(args.scale))
    if args.cases_json:
        urls = [{k: case[k] for k in ("name", "url", "floor")} for case in cases.make_cases()]
        Path(args.cases_json).write_text(json.dumps(urls))


def count_and_floor(measured):
    """Queries per request and the SQL floor of each case, in this process."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for case in measured:
        case["queries"] = queries_per_request(client, case["url"])
        queries_per_request(client, case["floor"])
        case["floor_sql_p50_ms"] = sql_floor_p50(case)
        floor_ms = case["floor_sql_p50_ms"]
        print(f"{case['name']}: {case['queries']} queries, SQL floor {floor_ms:.2f} ms", flush=True)


def start_small_scale(url, redis_url, small):
    """The small scale's cold gunicorn, and its port; its runs alternate with the big one's."""
    # Its own key prefix: cached counts are keyed by data version, which two
    # databases can share.
    prefix = f"{CACHE_KEY_PREFIX}-{str(small).replace('.', '_')}"
    port = free_port()
    return start_gunicorn(server_environment(url, "off", redis_url, prefix), port), port


def main(argv=None):
    args = parse_args(argv)
    if args.prepare_only:
        return prepare_only(args)
    scale = scale_label(args.scale)
    small = scale_label(args.small_scale) if args.small_scale > 0 else None
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it).")

    database_url = bench_database_url(os.environ)
    postgres = is_postgres(database_url)
    database_path = None if postgres else sqlite_path(database_url)
    if database_path is not None and database_path.stem != "bench":
        raise SystemExit("Datasette's URLs assume the database file is named bench.*")
    small_url = small_database_url(database_url, small) if small else None
    redis_url = redis_url_for(os.environ, postgres)
    configure_environment(database_url)

    # Both databases first, the small one first (the shorter, when both are new).
    small_cases = []
    if small_url:
        with tempfile.TemporaryDirectory() as tmp:
            cases_json = Path(tmp) / "cases.json"
            prepare_database(small_url, small, cases_json)
            small_cases = select_cases(
                json.loads(cases_json.read_text()), args.only, also=VIEW_CASE_NAMES
            )
    prepare_database(database_url, scale)

    setup_django()
    from django.db import connection

    measured = select_cases(cases.make_cases(), args.only, also=VIEW_CASE_NAMES)
    views = select_cases(cases.make_view_cases(), args.only, also=cases.make_cases())
    count_and_floor(measured)
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for case in views:
        case["queries"] = queries_per_request(client, case["url"])
        print(f"{case['name']}: {case['queries']} queries", flush=True)
    vendor = connection.vendor
    connection.close()

    if redis_url:
        deleted = empty_cache(redis_url)
        print(f"Redis {redis_url}: deleted {deleted} keys under {CACHE_KEY_PREFIX}*", flush=True)
    small_urls = {case["name"]: case["url"] for case in small_cases}

    cold_port, warm_port = free_port(), free_port()
    cold_server = warm_server = datasette = small_server = None
    endpoints = []
    try:
        if small_url:
            small_server, small_port = start_small_scale(small_url, redis_url, small)
        cold_server = start_gunicorn(server_environment(database_url, "off", redis_url), cold_port)
        warm_server = start_gunicorn(server_environment(database_url, "on", redis_url), warm_port)
        if database_path is not None:
            ds_port = free_port()
            datasette = start_datasette(database_path, ds_port)
        cold_at = f"http://127.0.0.1:{cold_port}"
        for case in measured:
            # The figures compared with each other (cold at both scales, for the growth;
            # cold and Datasette, for the throughput ratio) come from runs that alternate.
            compared = {"cold": cold_at + case["url"]}
            if case["name"] in small_urls:
                compared["small"] = f"http://127.0.0.1:{small_port}{small_urls[case['name']]}"
            ds_default = None
            if datasette is not None:
                flagged, default = cases.datasette_variants(case["datasette"])
                case["datasette_url"] = flagged
                compared["ds"] = f"http://127.0.0.1:{ds_port}{flagged}"
            figures = dict(
                zip(
                    compared,
                    measure_interleaved(list(compared.values()), args.duration, args.runs),
                    strict=True,
                )
            )
            cold, small_cold, ds = figures["cold"], figures.get("small"), figures.get("ds")
            if small_cold is not None:
                print(
                    f"  {case['name']} at scale {small}: p50 {tables.fmt(small_cold['p50_ms'])} "
                    f"ms, {small_cold['rps']:.0f} req/s",
                    flush=True,
                )
            floor = measure(cold_at + case["floor"], args.duration, args.runs)
            warm = measure(f"http://127.0.0.1:{warm_port}{case['url']}", args.duration, args.runs)
            if datasette is not None:
                ds_default = measure(f"http://127.0.0.1:{ds_port}{default}", args.duration, 1)
            entry = report.endpoint_entry(case, cold, floor, warm, small_cold, ds, ds_default)
            endpoints.append(entry)
            print(
                f"  {case['name']}: cold p50 {tables.fmt(cold['p50_ms'])} ms, "
                f"{cold['rps']:.0f} req/s; warm p50 {tables.fmt(warm['p50_ms'])} ms, "
                f"{warm['rps']:.0f} req/s; floor p50 {tables.fmt(floor['p50_ms'])} ms"
                + (f"; Datasette {ds['rps']:.0f} req/s" if ds else ""),
                flush=True,
            )
        html_vs_json = None
        urls = {case["name"]: case["url"] for case in measured}
        if report.HTML_CASE in urls and report.ITS_JSON in urls:
            # The page and its JSON again, their runs alternating: the ratio of two
            # measurements minutes apart showed the machine's spells (see report.py).
            html, json_ = measure_interleaved(
                [f"{cold_at}{urls[report.HTML_CASE]}", f"{cold_at}{urls[report.ITS_JSON]}"],
                args.duration,
                args.runs,
            )
            html_vs_json = {"html_p50_ms": html["p50_ms"], "json_p50_ms": json_["p50_ms"]}
            print(
                f"  {report.HTML_CASE} and {report.ITS_JSON} alternating: p50 "
                f"{tables.fmt(html['p50_ms'])} and {tables.fmt(json_['p50_ms'])} ms",
                flush=True,
            )
        view_entries = []
        for case in views:
            cold = measure(f"http://127.0.0.1:{cold_port}{case['url']}", args.duration, args.runs)
            view_entries.append(report.view_entry(case, cold))
            print(
                f"  {case['name']}: cold p50 {tables.fmt(cold['p50_ms'])} ms, "
                f"p95 {tables.fmt(cold['p95_ms'])} ms, {cold['rps']:.0f} req/s",
                flush=True,
            )
        rss = {"cold": worker_rss_mb(cold_server.pid), "warm": worker_rss_mb(warm_server.pid)}
    finally:
        stop(small_server)
        stop(cold_server)
        stop(warm_server)
        stop(datasette)

    measured_rss = [mb for mb in rss.values() if mb is not None]
    cache = f"Redis ({redis_url}, prefix {CACHE_KEY_PREFIX})" if redis_url else "local memory"
    results = report.build_results(
        scale,
        vendor,
        endpoints,
        worker_rss_mb=max(measured_rss) if measured_rss else None,
        small_scale=small,
        views=view_entries,
        extra={
            "html_vs_json": html_vs_json,
            "worker_rss_mb_by_server": rss,
            "settings": {
                "server": "gunicorn, 2 sync workers, conn_max_age=600",
                "cold": "RESPONSE_CACHE=off",
                "warm": f"RESPONSE_CACHE=on, cache in {cache}",
                "load": f"wrk -t{report.THREADS} -c{report.CONNECTIONS}, {WARMUP_S} s warm-up, "
                f"median of {args.runs} × {args.duration} s",
                "only": args.only or None,
                "cpus": os.cpu_count(),
            },
        },
    )
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    MARKDOWN.write_text(tables.format_markdown(results))
    print()
    print(tables.format_table(results))
    print(
        f"\nWrote {RESULTS.relative_to(REPO)} and {MARKDOWN.relative_to(REPO)} "
        "(the table and the targets in Markdown)"
    )


if __name__ == "__main__":
    main()

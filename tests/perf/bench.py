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
THREADS, CONNECTIONS = 2, 4
DATASETTE_FLAGS = "_shape=objects&_nocount=1&_nofacet=1&_nosuggest=1"
HUB = "syn-org-0000000"  # the synthesiser's busiest organisation
BENCH_EVENT = "syn-bench-event-50"
DATE_FROM, DATE_TO = "2010-01-01", "2012-12-31"
SEARCH_Q = "cyber academy"
DEEP_FRACTION = 0.8  # the deep page starts this far into the list

TARGETS = [
    # (key, label, limit, how the value compares)
    ("orgs_throughput", "Organisations list: throughput ≥ 2× Datasette's", 2.0, ">="),
    ("orgs_p50", "Organisations list: p50 ≤ 2× the HTTP floor", 2.0, "<="),
    ("deep_p95", "Deep page: p95 ≤ 1.2× page 1's", 1.2, "<="),
    ("search_p95", "Search: p95 ≤ 50 ms", 50.0, "<="),
    ("html_p50", "HTML list page ≤ 2× its JSON (p50)", 2.0, "<="),
    ("worker_rss", "Worker memory < 300 MB", 300.0, "<"),
]


# --- Pure functions (tests/test_perf_queries.py imports them) --------------------------


def parse_wrk(output):
    """wrk's output with tests/perf/wrk_report.lua: p50/p95 in ms, requests per second."""
    match = re.search(r"^WRK_JSON (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise ValueError(f"No WRK_JSON line in wrk's output:\n{output}")
    data = json.loads(match.group(1))
    seconds = data["duration_us"] / 1e6
    return {
        "p50_ms": data["p50_us"] / 1000,
        "p95_ms": data["p95_us"] / 1000,
        "rps": data["requests"] / seconds if seconds else 0.0,
        "errors": data["errors"] + data["non2xx"],
    }


def median_of_runs(runs):
    """Each figure's median over the runs (errors are summed)."""
    return {
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p95_ms": statistics.median(r["p95_ms"] for r in runs),
        "rps": statistics.median(r["rps"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
    }


def ratio(a, b):
    return None if a is None or not b else a / b


def evaluate_targets(results):
    """The issue's targets: [{"target", "value", "limit", "met"}] (met is None if unmeasured)."""
    by_name = {e["name"]: e for e in results["endpoints"]}
    orgs = by_name.get("organisations_by_region", {})
    values = {
        "orgs_throughput": ratio(orgs.get("rps"), orgs.get("datasette_rps")),
        "orgs_p50": ratio(orgs.get("p50_ms"), orgs.get("floor_http_p50_ms")),
        "deep_p95": ratio(
            by_name.get("deep_page", {}).get("p95_ms"), by_name.get("page_1", {}).get("p95_ms")
        ),
        "search_p95": by_name.get("search", {}).get("p95_ms"),
        "html_p50": ratio(by_name.get("html_list", {}).get("p50_ms"), orgs.get("p50_ms")),
        "worker_rss": results.get("worker_rss_mb"),
    }
    compare = {">=": float.__ge__, "<=": float.__le__, "<": float.__lt__}
    return [
        {
            "target": label,
            "value": values[key],
            "limit": limit,
            "met": None if values[key] is None else compare[op](float(values[key]), limit),
        }
        for key, label, limit, op in TARGETS
    ]


def build_results(scale, database, endpoints, worker_rss_mb=None, extra=None):
    """The bench-results.json document."""
    results = {"scale": scale, "database": database, "endpoints": endpoints}
    results["worker_rss_mb"] = worker_rss_mb
    results.update(extra or {})
    results["targets"] = evaluate_targets(results)
    return results


def _fmt(value, digits=1):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def format_table(results):
    """The printed table: figures per case, their ratios, then the targets."""
    header = (
        "case",
        "p50 ms",
        "p95 ms",
        "req/s",
        "queries",
        "SQL floor",
        "HTTP floor",
        "×HTTP",
        "DS p50",
        "DS req/s",
        "×DS req/s",
        "DS dflt p50",
        "DS dflt req/s",
    )
    rows = [header]
    for e in results["endpoints"]:
        rows.append(
            (
                e["name"],
                _fmt(e["p50_ms"]),
                _fmt(e["p95_ms"]),
                _fmt(e["rps"], 0),
                str(e["queries"]),
                _fmt(e["floor_sql_p50_ms"], 2),
                _fmt(e["floor_http_p50_ms"]),
                _fmt(ratio(e["p50_ms"], e["floor_http_p50_ms"]), 2),
                _fmt(e["datasette_p50_ms"]),
                _fmt(e["datasette_rps"], 0),
                _fmt(ratio(e["rps"], e["datasette_rps"]), 2),
                _fmt(e.get("datasette_default_p50_ms")),
                _fmt(e.get("datasette_default_rps"), 0),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        f"Entente bench: scale {results['scale']}, {results['database']}, "
        f"wrk -t{THREADS} -c{CONNECTIONS}, median of runs"
    ]
    for i, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append(" | ".join(cells))
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    lines.append(f"gunicorn worker RSS (max): {_fmt(results.get('worker_rss_mb'))} MB")
    lines.append("")
    lines.append("Targets:")
    for t in results["targets"]:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        lines.append(f"  [{verdict:^12}] {t['target']}: {_fmt(t['value'], 2)}")
    return "\n".join(lines)


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


def prepare(scale):
    """Migrate, synthesize (unless done at this scale), add the 50-participant event."""
    from django.core.management import call_command
    from django.db import connection

    from kb.models import Event, Organisation, Participation, Status

    call_command("migrate", verbosity=0)
    expected = max(1, round(scale * 1000))
    present = Organisation.objects.filter(slug__startswith="syn-org-").count()
    if present != expected:
        print(f"Synthesizing scale {scale} (found {present:,} synthetic organisations)...")
        started = time.perf_counter()
        call_command("synthesize", scale=scale, clear=present > 0, verbosity=1)
        print(f"  done in {time.perf_counter() - started:.0f} s")
    if not Event.objects.filter(slug=BENCH_EVENT).exists():
        event = Event.objects.create(
            slug=BENCH_EVENT,
            name_en="Benchmark assembly with 50 participants",
            kind=Event.Kind.GENERAL_ASSEMBLY,
            status=Status.PUBLISHED,
        )
        organisations = Organisation.objects.filter(slug__startswith="syn-org-").order_by("slug")
        Participation.objects.bulk_create(
            Participation(event=event, organisation=org, role=Participation.Role.COUNTERPART)
            for org in organisations[:50]
        )
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load, done now rather than mid-run.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


# --- Cases -------------------------------------------------------------------------------


def make_cases():
    """Every case: the app's URL, its floors (HTTP path, raw SQL) and Datasette's query."""
    from django.db import connection

    from kb import regions
    from kb.api_policies import Cursor, Keyset
    from kb.models import Event, Organisation, Status

    europe = regions.countries_in("europe")
    codes = ",".join(europe)
    hub = Organisation.objects.get(slug=HUB)
    event = Event.objects.get(slug=BENCH_EVENT)
    published = Organisation.objects.filter(status=Status.PUBLISHED).order_by("slug", "pk")
    total = published.count()
    deep = published[int(total * DEEP_FRACTION)]
    names = Keyset(Organisation.objects.published().order_by("slug", "pk")).names
    cursor = Cursor(names, [deep.slug, str(deep.pk)], True, int(total * DEEP_FRACTION) // 50 + 1)
    quote = urllib.parse.quote
    ph = "%s"
    in_europe = ", ".join([ph] * len(europe))
    org_columns = (
        "o.id, o.slug, o.name_en, o.name_fr, o.acronym, o.kind, o.country, p.slug, "
        "o.aliases, o.updated_at FROM kb_organisation o "
        "LEFT JOIN kb_organisation p ON p.id = o.parent_id"
    )
    org_citations = (
        "SELECT c.object_id, s.slug, c.quote FROM kb_citation c "
        "JOIN kb_source s ON s.id = c.source_id WHERE c.content_type_id = %s "
        "AND s.status = 'published' AND c.object_id IN ({ids})"
    )
    from django.contrib.contenttypes.models import ContentType

    org_type = ContentType.objects.get_for_model(Organisation).pk
    if connection.vendor == "sqlite":
        search_where = (
            "o.id IN (SELECT rowid FROM kb_organisation_search "
            "WHERE kb_organisation_search MATCH %s) "
            "AND o.search_text LIKE %s AND o.search_text LIKE %s"
        )
        search_match = ['"cyber" "academy"', "%cyber%", "%academy%"]
    else:
        search_where = "o.search_text LIKE %s AND o.search_text LIKE %s"
        search_match = ["%cyber%", "%academy%"]
    event_columns = (
        "e.id, e.slug, e.name_en, e.name_fr, e.kind, e.start_date, e.end_date, "
        "e.date_precision, e.city, e.country, e.parent_id, e.organiser_id, e.updated_at "
        "FROM kb_event e"
    )
    participants = (
        "SELECT pa.event_id, o.slug, pe.slug, po.slug, pa.role FROM kb_participation pa "
        "LEFT JOIN kb_organisation o ON o.id = pa.organisation_id "
        "LEFT JOIN kb_person pe ON pe.id = pa.person_id "
        "LEFT JOIN kb_post po ON po.id = pa.post_id WHERE pa.event_id IN ({ids})"
    )
    ds_org = "/bench/kb_organisation.json?status=published&_sort=slug&_size=50"
    cases = [
        {
            "name": "organisations_by_region",
            "url": "/api/v1/organisations/?region=europe",
            "floor": "/_floor/organisations/region/?region=europe",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' AND o.country IN "
                f"({in_europe}) ORDER BY o.slug, o.id LIMIT 50",
                list(europe),
            ),
            "sql_related": (org_citations, [org_type]),
            "datasette": f"{ds_org}&country__in={codes}",
        },
        {
            "name": "events_by_participant_and_dates",
            "url": f"/api/v1/events/?participant={HUB}&date_from={DATE_FROM}&date_to={DATE_TO}",
            "floor": (
                f"/_floor/events/participant/?participant={HUB}"
                f"&date_from={DATE_FROM}&date_to={DATE_TO}"
            ),
            "sql": (
                f"SELECT {event_columns} WHERE e.status = 'published' AND e.end_date >= %s "
                "AND e.start_date <= %s AND EXISTS (SELECT 1 FROM kb_participation pa "
                "WHERE pa.event_id = e.id AND pa.organisation_id = %s) "
                "ORDER BY e.start_date, e.slug, e.id LIMIT 50",
                [DATE_FROM, DATE_TO, hub.pk],
            ),
            "sql_related": (participants, []),
            "datasette": (
                "/bench/kb_event.json?status=published&_sort=start_date&_size=50"
                f"&end_date__gte={DATE_FROM}&start_date__lte={DATE_TO}&_where="
                + quote(
                    "id in (select event_id from kb_participation where organisation_id = "
                    f"{hub.pk})"
                )
            ),
        },
        {
            "name": "event_detail_50_participants",
            "url": f"/api/v1/events/{BENCH_EVENT}/",
            "floor": f"/_floor/events/{BENCH_EVENT}/",
            "sql": (f"SELECT {event_columns} WHERE e.slug = %s", [BENCH_EVENT]),
            "sql_related": (participants, []),
            "datasette": f"/bench/kb_participation.json?event_id={event.pk}&_size=50",
        },
        {
            "name": "html_list",
            "url": "/en/organisations/?region=europe",
            "floor": "/_floor/organisations/region/?region=europe&size=25",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' AND o.country IN "
                f"({in_europe}) ORDER BY o.slug, o.id LIMIT 25",
                list(europe),
            ),
            "sql_related": (org_citations, [org_type]),
            "datasette": (
                f"/bench/kb_organisation?status=published&_sort=slug&_size=25&country__in={codes}"
            ),
        },
        {
            "name": "search",
            "url": f"/api/v1/organisations/?q={quote(SEARCH_Q)}",
            "floor": f"/_floor/organisations/search/?q={quote(SEARCH_Q)}",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' AND {search_where} "
                "ORDER BY o.slug, o.id LIMIT 50",
                search_match,
            ),
            "sql_related": (org_citations, [org_type]),
            "datasette": f"{ds_org}&_search={quote(SEARCH_Q)}",
        },
        {
            "name": "page_1",
            "url": "/api/v1/organisations/",
            "floor": "/_floor/organisations/page/",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' ORDER BY o.slug, o.id LIMIT 50",
                [],
            ),
            "sql_related": (org_citations, [org_type]),
            "datasette": ds_org,
        },
        {
            "name": "deep_page",
            "url": f"/api/v1/organisations/?cursor={cursor.encode()}",
            "floor": f"/_floor/organisations/page/?after={deep.slug}",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' AND o.slug > %s "
                "ORDER BY o.slug, o.id LIMIT 50",
                [deep.slug],
            ),
            "sql_related": (org_citations, [org_type]),
            # Datasette's own keyset token: "<sort value>,<primary key>".
            "datasette": f"{ds_org}&_next={deep.slug},{deep.pk}",
        },
    ]
    return cases


def _datasette_variants(path):
    separator = "&" if "?" in path else "?"
    if ".json" in path:
        return f"{path}{separator}{DATASETTE_FLAGS}", path
    # The HTML page: no _shape, the same switches otherwise.
    flags = DATASETTE_FLAGS.replace("_shape=objects&", "")
    return f"{path}{separator}{flags}", path


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
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def measure(url, duration, runs):
    """A warm-up, then the median of `runs` runs."""
    wrk(url, WARMUP_S)
    return median_of_runs([wrk(url, duration) for _ in range(runs)])


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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core import signals
    from django.db import close_old_connections, connection
    from django.test import Client

    # As Django's test runner does: one connection for the whole process.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    prepare(args.scale)
    vendor = connection.vendor
    cases = make_cases()
    client = Client(HTTP_HOST="127.0.0.1")
    for case in cases:
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
        for case in cases:
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
                flagged, default = _datasette_variants(case["datasette"])
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

    results = build_results(
        scale,
        vendor,
        endpoints,
        worker_rss_mb=rss,
        extra={
            "settings": {
                "server": "gunicorn, 2 sync workers, conn_max_age=600",
                "load": f"wrk -t{THREADS} -c{CONNECTIONS}, {WARMUP_S} s warm-up, "
                f"median of {args.runs} × {args.duration} s",
                "cpus": os.cpu_count(),
            }
        },
    )
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(format_table(results))
    print(f"\nWrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()

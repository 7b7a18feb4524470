"""`make loadtest`: locust against the production stack, while an editor imports.

    .venv/bin/python tests/perf/loadtest.py      (make loadtest installs locust first)

The stack is the deployment's own (config/compose.yaml): `make migrate`,
then `make serve` (gunicorn with config/gunicorn.py, DEBUG off) and
two `make worker` (task workers, as production runs them: README,
"Deploying"), on PostgreSQL and Redis. It runs in a
scratch database of its own, `<name>_loadtest` beside the database of
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), made
anew and dropped afterwards, filled as the benchmark fills its own
(`manage.py synthesize --scale 10`, tests/perf/cases.py); and in a Redis
database of its own (LOADTEST_REDIS_URL, default redis://127.0.0.1:6379/14),
emptied before and after, so that no cached count or throttle counter is
shared with anything else.

Load: LOADTEST_USERS users (50) for LOADTEST_TIME (60s), over the mix of
tests/perf/locustfile.py: public pages and API in both languages, details,
search, CSV downloads; one of them an editor who logs into the admin and
imports LOADTEST_IMPORT_ROWS organisations (3,000) from a CSV file.

Prints requests per second, p50, p95 and errors, overall and per kind of
request, and exits non-zero on any error: a failed request (a 5xx, an
unexpected status), a 5xx in gunicorn's access log, a server or worker that
stopped, or an import that did not write its rows.
"""

import csv
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.perf import cases, import_files, servers  # noqa: E402
from tests.perf.loadtest_report import (  # noqa: E402
    NOT_HTTP,
    read_failures,
    read_stats,
    report,
    server_errors,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
SCALE = 10
# Every user comes from 127.0.0.1, so the API's throttle (1000/minute per
# address by default) would answer 429 to the whole crowd at once. Raised,
# not turned off, so that its counting still runs on every API request.
THROTTLE_RATE = "1000000/minute"
# The make targets this runs, as config/compose.yaml's services run them
# (tests/ops/test_deploy.py reads this to know what CI exercises).
STACK_TARGETS = ("migrate", "serve", "worker")
WORKERS = 2  # task workers beside the web server
EDITOR = "loadtest-editor"


def whole_number(name, default, minimum=1):
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < minimum:
        raise SystemExit(f"{name}={raw!r}: expected a whole number of {minimum} or more.")
    return int(raw)


def duration():
    raw = os.environ.get("LOADTEST_TIME", "").strip() or "60s"
    match = re.fullmatch(r"(\d+)([smh]?)", raw)
    if not match or int(match.group(1)) < 1:
        raise SystemExit(f"LOADTEST_TIME={raw!r}: expected a duration such as 60s, 20s or 2m.")
    return raw if match.group(2) else f"{raw}s"


# --- The scratch database and Redis -----------------------------------------------------


def scratch_url(base_url):
    parts = urllib.parse.urlparse(base_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(
            "make loadtest runs on PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name "
            f"(its server gets a scratch database beside it), not {parts.scheme}:."
        )
    name = parts.path.lstrip("/") or "postgres"
    return parts._replace(path=f"/{name}_loadtest").geturl()


def admin_connection(url):
    import psycopg

    parts = urllib.parse.urlparse(url)
    return psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)


def recreate_database(url):
    name = urllib.parse.urlparse(url).path.lstrip("/")
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url):
    name = urllib.parse.urlparse(url).path.lstrip("/")
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_redis(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=5).flushdb()
    except redis.RedisError as error:
        raise SystemExit(
            f"Redis at {url} is not answering ({error}): start it, or set LOADTEST_REDIS_URL."
        ) from None


# --- The data ------------------------------------------------------------------------------


def prepare(import_path, import_rows):
    """Scale data, an editor, what the users ask for; the organisations file to import."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.templatetags.static import static

    from kb.lib import regions
    from kb.management.commands.synthesize import WORDS
    from kb.models import Agreement, Event, Organisation, Person, Source, Topic

    started = time.perf_counter()
    # The article's records first (fixed keys, before the synthetic rows take
    # them): real sources, quotes and French names among the pages asked for.
    call_command("seed", force=True, verbosity=0)
    cases.prepare(SCALE)
    print(f"  scale {SCALE} data ready in {time.perf_counter() - started:.0f} s", flush=True)

    password = secrets.token_urlsafe(24)
    get_user_model().objects.create_superuser(EDITOR, "editor@example.org", password)

    def sample(records, n):
        """Slugs of up to n published records, at random (a model, or a QuerySet of one)."""
        queryset = records._default_manager.all() if isinstance(records, type) else records
        return list(queryset.published().order_by("?").values_list("slug", flat=True)[:n])

    years = [d.year for d in Event.objects.dates("start_date", "year")]
    data = {
        "editor": {"username": EDITOR, "password": password},
        "list_pages": ["organisations", "events", "agreements", "people", "topics", "sources"],
        # Pages in each whole list, so that a deeper page asked for exists.
        "page_counts": {
            page: -(-model.objects.published().count() // settings.KB_PAGE_SIZE)
            for page, model in (
                ("organisations", Organisation),
                ("events", Event),
                ("agreements", Agreement),
                ("people", Person),
                ("topics", Topic),
                ("sources", Source),
            )
        },
        "details": {
            "organisations": sample(Organisation, 400),
            "events": sample(Event, 400),
            "agreements": sample(Agreement, 200),
            "people": sample(Person, 400),
            "topics": sample(Topic, 50),
            # Not the synthesizer's one source, which every synthetic record
            # cites (30,000 at scale 10) and whose page lists them all: no real
            # source is cited that often.
            "sources": sample(Source.objects.exclude(slug="syn-source"), 100),
        },
        "regions": sorted(regions.REGION_NAMES),
        "organisation_kinds": sorted(Organisation.Kind.values),
        "event_kinds": sorted(Event.Kind.values),
        "countries": sorted(
            {c for c in Person.objects.published().values_list("country", flat=True)[:2000] if c}
        ),
        "topics": sample(Topic, 50),
        "hubs": [cases.HUB, "syn-org-0000001", "syn-org-0000002"],
        "words": sorted(set(WORDS)),
        "years": [min(years), max(years)] if years else [2000, 2020],
        "stylesheet": static("kb/site.css"),
    }
    with import_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=import_files.ORGANISATION_COLUMNS)
        writer.writeheader()
        writer.writerows(import_files.organisation_rows(import_rows))
    connection.close()
    return data


def imported_rows():
    from django.db import connection

    from kb.models import Organisation

    count = Organisation.objects.filter(slug__startswith="bench-org-").count()
    connection.close()
    return count


# --- The stack -----------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make(target, env, log):
    """`make <target>` in a session of its own: stopping it is a signal to its id."""
    command = [os.environ.get("MAKE", "make"), "--no-print-directory", target]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(*processes, grace=5, timeout=60):
    """SIGTERM to each make (passed on to gunicorn or the worker); after `grace` seconds a
    second to what still runs, a worker's stop-now (kb/management/commands/worker.py), then
    up to `timeout` for all. The job it cuts short is the downloads' rebuild the data load
    queued, which nothing here reads: waiting for it cost CI up to a minute a run."""
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)  # the session make leads: this run's own
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- Main ----------------------------------------------------------------------------------


def main():
    users = whole_number("LOADTEST_USERS", 50)
    run_time = duration()
    import_rows = whole_number("LOADTEST_IMPORT_ROWS", 3000)
    base_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    url = scratch_url(base_url)
    redis_url = os.environ.get("LOADTEST_REDIS_URL") or DEFAULT_REDIS_URL
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="entente-loadtest-"))
    data_path, import_path = work / "data.json", work / "organisations.csv"
    stats_prefix = str(work / "locust")

    # The production stack over plain HTTP on loopback, as `make bench` runs it.
    # No other database variable (a read replica's URL) reaches it: the scratch
    # database is the only one.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    for name in [k for k in os.environ if k.startswith("DATABASE_")]:
        del os.environ[name]
    stack = {
        **inherited,
        # One persistent connection per gunicorn worker, as config/compose.yaml has it.
        "DATABASE_URL": f"{url}{'&' if '?' in url else '?'}conn_max_age=600",
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "API_ANON_THROTTLE_RATE": THROTTLE_RATE,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "TASKS_BACKEND": os.environ.get("TASKS_BACKEND", "database"),
    }
    stack.pop("PORT", None)  # GUNICORN_BIND decides
    print(
        f"Load test: {users} users for {run_time}, scale {SCALE}, database {url}, Redis {redis_url}"
    )
    print(
        f"All users come from one address (127.0.0.1): API_ANON_THROTTLE_RATE raised to "
        f"{THROTTLE_RATE} (default 1000/minute). The login lockout (AXES_FAILURE_LIMIT, "
        "default 5 failures) stays as it is: the one editor logs in once, with the right password.",
        flush=True,
    )
    os.environ.update({k: v for k, v in stack.items() if k.startswith(("DJANGO_", "DATABASE"))})
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = redis_url
    os.environ["TASKS_BACKEND"] = stack["TASKS_BACKEND"]

    load_before = os.getloadavg()[0]
    web = None
    workers = []
    failed = []
    started = time.monotonic()
    serve_log, worker_log = work / "serve.log", work / "worker.log"
    try:
        empty_redis(redis_url)
        recreate_database(url)
        with (work / "migrate.log").open("w") as log:
            migrated = make("migrate", stack, log)
            if migrated.wait() != 0:
                raise SystemExit(f"make migrate failed: see {work / 'migrate.log'}")
        data = prepare(import_path, import_rows)
        data_path.write_text(json.dumps(data))

        with serve_log.open("w") as web_out, worker_log.open("w") as worker_out:
            # Two, as production runs them: the editor's import then runs beside the
            # downloads' rebuild that the data load queued (224 s at scale 10 on a loaded
            # 2-core machine), not behind it. The queue hands each job to one of them.
            workers = [make("worker", stack, worker_out) for _ in range(WORKERS)]
            web = make("serve", stack, web_out)
        host = f"http://127.0.0.1:{port}"
        stack_processes = {
            "serve": web,
            **{f"worker {i + 1}": worker for i, worker in enumerate(workers)},
        }
        # Readiness: databases, cache, migrations, and a worker that beats.
        servers.wait_for(
            f"{host}/readyz/",
            timeout=180,
            processes={f"make {name}": process for name, process in stack_processes.items()},
        )
        print(
            f"  stack up ({time.monotonic() - started:.0f} s since the start); load for {run_time}",
            flush=True,
        )

        locust = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                host,
                "--users",
                str(users),
                "--spawn-rate",
                str(max(1, users // 5)),
                "--run-time",
                run_time,
                # Users finish what they are doing at the end: the editor's import
                # among them, which on a busy machine can outlast a 20 s run. Its two
                # jobs may each wait up to the editor's patience (locustfile.py,
                # AdminImport.patience_s, 300 s) for a free worker: with one worker,
                # behind the downloads' rebuild that the data load queued, at 120 s the
                # editor was stopped before the check had run (the rebuild took 167 s
                # on a loaded CI machine). The browsing users finish within seconds.
                "--stop-timeout",
                "660",
                "--csv",
                stats_prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=REPO,
            env={
                **os.environ,
                "LOADTEST_DATA": str(data_path),
                "LOADTEST_IMPORT_FILE": str(import_path),
            },
            capture_output=True,
            text=True,
        )
        print(f"  load done ({time.monotonic() - started:.0f} s since the start)", flush=True)
        if locust.returncode not in (0, 1):  # 1: some requests failed, reported below
            print(locust.stdout[-3000:], locust.stderr[-3000:], sep="\n")
            failed.append(f"locust exited {locust.returncode}")
        for name, process in stack_processes.items():
            if process.poll() is not None:
                failed.append(f"make {name} stopped during the run (exit {process.returncode})")
        # The editor's import is a job, run by whichever worker is free (the other
        # may be rebuilding the downloads). It must finish.
        deadline = time.monotonic() + 300
        while (rows := imported_rows()) != import_rows and time.monotonic() < deadline:
            time.sleep(2)
        if rows != import_rows:
            failed.append(f"the import wrote {rows:,} of {import_rows:,} organisations")
    finally:
        stopping = time.monotonic()
        stop(web, *workers)
        print(f"  stack stopped in {time.monotonic() - stopping:.0f} s", flush=True)
        drop_database(url)
        empty_redis(redis_url)

    stats = read_stats(stats_prefix)
    print()
    print(report(stats))
    for failure in read_failures(stats_prefix):
        print(
            f"  FAILED {failure['Occurrences']}x {failure['Method']} {failure['Name']}: "
            f"{failure['Error']}"
        )
    total = next(row for row in stats if row["Name"] == "Aggregated")
    if int(total["Failure Count"]):
        failed.append(f"{total['Failure Count']} failed requests")
    logged, server_5xx = server_errors(serve_log)
    http = sum(
        int(r["Request Count"])
        for r in stats
        if r["Type"] not in NOT_HTTP and r["Name"] != "Aggregated"
    )
    print(f"\ngunicorn logged {logged:,} requests ({http:,} sent), {server_5xx} with a 5xx status")
    if server_5xx:
        failed.append(f"{server_5xx} responses with a 5xx status in gunicorn's access log")
    imports = [row for row in stats if row["Type"] == "IMPORT"]
    if imports and not int(imports[0]["Failure Count"]):
        print(
            f"The editor's import of {import_rows:,} organisations took "
            f"{float(imports[0]['Average Response Time']) / 1000:.1f} s under load."
        )
    # The figures depend on what else the machine runs: say how busy it was.
    print(
        f"End to end: {time.monotonic() - started:.0f} s. Load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores. Logs: {work}"
    )
    if failed:
        print("\nLOAD TEST FAILED: " + "; ".join(failed))
        return 1
    print("\nLoad test passed: no errors.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

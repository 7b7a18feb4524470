"""gunicorn as `make serve` runs it (config/gunicorn.py): JSON access lines, workers, bad values.

The server tests start real gunicorn, with DEBUG off over plain HTTP, on a
free port and a SQLite database of their own (migrated in a temporary
folder), as a deployment would; the rest read the config module with the
environment set.
"""

import importlib.util
import json
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gunicorn.glogging import SafeAtoms

from tests.support import LOG_KEYS

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "gunicorn.py"
GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 3  # not the default (2 x cores + 1), so that the count shows it was read
APP_KEYS = LOG_KEYS  # the app's own lines (kb/ops/logs.py)
ACCESS_KEYS = APP_KEYS | {"bytes", "client"}


def environment(**variables):
    """What a server is started with: production settings over plain HTTP, nothing else."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    env.update(variables)
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workers_of(pid):
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if re.search(rf"^PPid:\s+{pid}$", status.read_text(), re.MULTILINE):
                children.append(int(status.parent.name))
        except OSError:
            continue  # a process that ended while being read
    return children


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn on a migrated SQLite database; yields its base URL, process and log files."""
    folder = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = environment(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(WORKERS),
        # One proxy in front: the access line's client is the address it forwarded.
        DJANGO_NUM_PROXIES="1",
    )
    for database in ("default", "jobs"):
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--database", database],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    stdout, stderr = folder / "stdout.log", folder / "stderr.log"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", str(CONFIG), "config.wsgi"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"{base}/favicon.ico")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start: {stderr.read_text()}") from None
                time.sleep(0.2)
        yield {"base": base, "process": process, "stdout": stdout, "stderr": stderr}
    finally:
        process.terminate()
        process.wait(timeout=60)


def logged(path, wanted, timeout=30):
    """The JSON lines of a log file, once `wanted(lines)` holds (a line is written
    just after its response is sent)."""
    deadline = time.monotonic() + timeout
    while True:
        # Whole lines only: the last may still be being written.
        lines = [json.loads(line) for line in path.read_text().split("\n")[:-1]]
        if wanted(lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_workers_follow_web_concurrency(server):
    deadline = time.monotonic() + 30
    while len(workers_of(server["process"].pid)) != WORKERS and time.monotonic() < deadline:
        time.sleep(0.2)  # workers boot one after another
    assert len(workers_of(server["process"].pid)) == WORKERS


def test_access_lines_are_json_on_stdout_in_the_apps_shape(server):
    base = server["base"]
    page = get(f"{base}/en/organisations/?q=police", **{"X-Request-ID": "edge-1.page"})
    status, headers, body = page
    assert status == 200 and headers["X-Request-ID"] == "edge-1.page"
    # The page's stylesheet, as a browser would fetch it: WhiteNoise with DEBUG off.
    [css_url] = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', body)
    css = get(base + css_url.decode(), **{"X-Forwarded-For": "198.51.100.9"})
    assert css[0] == 200 and css[1]["Content-Type"].startswith("text/css")
    missing = get(f"{base}/en/organisations/no-such-record/", **{"X-Request-ID": "edge-2.miss"})
    assert missing[0] == 404
    paths = {"/en/organisations/", css_url.decode(), "/en/organisations/no-such-record/"}

    def written(lines):
        return paths <= {line["path"] for line in lines}

    access = logged(server["stdout"], written)
    assert all(set(line) == ACCESS_KEYS for line in access)
    assert all(line["logger"] == "gunicorn.access" for line in access)
    mine = [line for line in access if line["path"] in paths]
    by_path = {line["path"]: line for line in mine}
    assert len(mine) == len(paths)  # one line per request, no duplicate

    listed = by_path["/en/organisations/"]  # the query string is never logged
    assert listed["request_id"] == "edge-1.page"
    assert (listed["level"], listed["method"], listed["status"]) == ("INFO", "GET", 200)
    assert listed["message"] == "GET /en/organisations/ 200"
    assert listed["bytes"] == len(body)
    assert isinstance(listed["duration_ms"], float) and listed["duration_ms"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", listed["time"])
    assert listed["client"] == "127.0.0.1"  # no X-Forwarded-For: the socket's address

    stylesheet = by_path[css_url.decode()]
    assert stylesheet["status"] == 200
    assert stylesheet["bytes"] == len(css[2])  # sent with sendfile(), still counted
    assert stylesheet["client"] == "198.51.100.9"  # DJANGO_NUM_PROXIES=1
    assert re.fullmatch(r"[0-9a-f]{32}", stylesheet["request_id"])  # generated by the app

    failed = by_path["/en/organisations/no-such-record/"]
    assert (failed["level"], failed["status"]) == ("WARNING", 404)

    # stderr: gunicorn's and the app's other lines, all JSON in the same shape;
    # the 404 once, from Django, under the same request id; and not the app's
    # own access lines, which would repeat stdout's.
    errors = logged(server["stderr"], lambda lines: any(e["status"] == 404 for e in lines))
    assert errors and all(set(line) >= APP_KEYS for line in errors)
    assert not [line for line in errors if line["logger"] == "kb.ops.access"]
    [not_found] = [line for line in errors if line["logger"] == "django.request"]
    assert not_found["request_id"] == "edge-2.miss" and not_found["status"] == 404
    assert any(line["message"].startswith("Booting worker") for line in errors)


# The config module, read with the environment set ------------------------------------


def run_config(*args, **variables):
    """`python config/gunicorn.py` (it prints its values) or gunicorn with it, in a clean env."""
    env = environment(**variables)
    return subprocess.run([*args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def values(**variables):
    result = run_config(sys.executable, str(CONFIG), **variables)
    assert result.returncode == 0, result.stderr
    return dict(line.split(" = ", 1) for line in result.stdout.splitlines())


def test_defaults_and_what_the_environment_sets():
    defaults = values()
    assert int(defaults["workers"]) == 2 * len(os.sched_getaffinity(0)) + 1
    assert defaults["bind"] == "['127.0.0.1:8000']"
    assert (defaults["timeout"], defaults["graceful_timeout"]) == ("60", "30")
    assert (defaults["max_requests"], defaults["max_requests_jitter"]) == ("2000", "200")
    assert values(WEB_CONCURRENCY="4")["workers"] == "4"
    assert values(PORT="9123")["bind"] == "['127.0.0.1:9123']"
    assert values(PORT="9123", GUNICORN_BIND="0.0.0.0:80")["bind"] == "['0.0.0.0:80']"
    assert values(GUNICORN_TIMEOUT="120")["timeout"] == "120"


@pytest.mark.parametrize("value", ["four", "2.5", "0", "-3"])
def test_a_bad_web_concurrency_stops_with_a_message_naming_it(value):
    result = run_config(sys.executable, str(CONFIG), WEB_CONCURRENCY=value)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"config/gunicorn.py: WEB_CONCURRENCY={value!r}: expected the number of worker "
        "processes, a whole number of 1 or more."
    )


@pytest.mark.parametrize(("name", "value"), [("PORT", "http"), ("PORT", "70000")])
def test_a_bad_port_stops_with_a_message_naming_it(name, value):
    result = run_config(sys.executable, str(CONFIG), **{name: value})
    assert result.returncode == 1
    assert f"{name}=" in result.stderr and "port number" in result.stderr
    assert "Traceback" not in result.stderr


def test_gunicorn_itself_refuses_a_worker_count_below_one():
    # gunicorn reads the integer itself first (int("0") passes), then this file refuses it.
    result = run_config(
        str(GUNICORN), "-c", str(CONFIG), "--check-config", "config.wsgi", WEB_CONCURRENCY="0"
    )
    assert result.returncode == 1
    assert "WEB_CONCURRENCY='0': expected the number of worker processes" in result.stderr
    assert "Traceback" not in result.stderr


# The access line's formatter and levels, on gunicorn's own atoms -----------------------


@pytest.fixture
def module(monkeypatch):
    monkeypatch.setenv("DJANGO_LOG_LEVEL", "WARNING")
    spec = importlib.util.spec_from_file_location("gunicorn_config_under_test", CONFIG)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def access_record(**atoms):
    base = {"m": "GET", "U": "/en/", "s": "200", "B": 10, "D": 1500, "h": "127.0.0.1"}
    base.update(atoms)
    return logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(m)s %(U)s %(s)s", (SafeAtoms(base),), None
    )


def test_log_level_warning_keeps_failed_requests_only(module):
    level = module.AccessLevel(module.LOG_LEVEL)
    assert not level.filter(access_record(s="200"))
    assert not level.filter(access_record(s="302"))
    record = access_record(s="404")
    assert level.filter(record) and record.levelname == "WARNING"
    record = access_record(s="503")
    assert level.filter(record) and record.levelname == "ERROR"


def test_quotes_in_a_path_are_logged_as_they_came(module):
    record = access_record(U='/en/search/"x"', **{"{x-request-id}o": "abc"})
    line = json.loads(module.AccessFormatter().format(record))
    assert line["path"] == '/en/search/"x"'
    assert line["message"] == 'GET /en/search/"x" 200'
    assert (line["request_id"], line["status"], line["duration_ms"]) == ("abc", 200, 1.5)


def test_make_serve_names_a_missing_secret_key_before_doing_anything():
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # no key, nor make's own flags
    result = subprocess.run(
        ["make", "--no-print-directory", "serve"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "set DJANGO_SECRET_KEY to a long random value" in result.stderr
    assert "migrate" not in result.stdout  # it stopped before migrating

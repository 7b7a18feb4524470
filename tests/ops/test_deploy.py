"""The documented deployments: config/compose.yaml and the systemd units in config/systemd/.

No container engine runs here, so the compose file is checked, not started:
it parses, has the services the README describes, wires them as it says,
and each app service runs a make target that exists and that CI runs, so a
broken command fails here rather than on the first deployment. The units
likewise name make targets that exist.
"""

import configparser
import re
from pathlib import Path

import pytest
import yaml
from django.urls import resolve

from tests.perf import loadtest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"
APP_SERVICES = ("migrate", "web", "worker")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((CONFIG / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def make_targets():
    """The targets the Makefile defines (rules at the start of a line)."""
    text = (REPO / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, re.MULTILINE))


def ci_make_targets():
    """What CI runs: each `make <target>` of .ci/run, and the stack the load test starts."""
    text = (REPO / ".ci" / "run").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    ran = set(re.findall(r"\bmake\s+(?:-\S+\s+)*(?:[A-Z_]+=\S+\s+)*([a-z][\w-]*)", code))
    if "loadtest" in ran:
        # `make loadtest` runs tests/perf/loadtest.py, which starts these targets itself.
        ran |= set(loadtest.STACK_TARGETS)
    return ran


def command_target(service):
    command = service["command"]
    assert isinstance(command, list), "an exec-form command, no shell in between"
    assert command[0] == "make" and len(command) == 2, command
    return command[1]


def test_the_compose_file_has_the_documented_services(services):
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker"}
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert any(
        volume.endswith(":/var/lib/postgresql/data") for volume in services["postgres"]["volumes"]
    )
    for name in ("postgres", "redis", "web"):
        assert services[name]["healthcheck"]["test"], name


def test_app_services_run_make_targets_that_exist_and_that_ci_runs(services):
    targets, in_ci = make_targets(), ci_make_targets()
    expected = {"migrate": "migrate", "web": "serve", "worker": "worker"}
    for name in APP_SERVICES:
        target = command_target(services[name])
        assert target == expected[name]
        assert target in targets, f"{name}: no `{target}` target in the Makefile"
        assert target in in_ci, f"{name}: .ci/run never runs `make {target}`"


def test_the_load_test_starts_the_stack_with_those_targets():
    # What ci_make_targets() credits to `make loadtest` must be what the runner runs.
    source = Path(loadtest.__file__).read_text()
    assert set(loadtest.STACK_TARGETS) == {"migrate", "serve", "worker"}
    for target in loadtest.STACK_TARGETS:
        assert f'make("{target}"' in source
    assert re.search(
        r"^loadtest:.*\n\t.*tests/perf/loadtest\.py", (REPO / "Makefile").read_text(), re.M
    )


def test_web_and_worker_wait_for_the_migration_and_the_servers(services):
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["postgres"]["condition"] == "service_healthy"
        assert needs["redis"]["condition"] == "service_healthy"


def test_app_services_share_one_image_and_their_configuration(services):
    dockerfile = services["web"]["build"]["dockerfile"]
    assert services["web"]["build"]["context"] == ".."
    assert (CONFIG / ".." / dockerfile).resolve() == CONFIG / "Dockerfile"
    assert "make setup" in (CONFIG / "Dockerfile").read_text()
    ignored = (CONFIG / "Dockerfile.dockerignore").read_text().split()
    assert "config/.env" in ignored and ".venv" in ignored  # no secret, no host venv in the image
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == services["web"]["build"]
        # The secret key comes from the env file only, never from the compose file.
        assert [entry["path"] for entry in service["env_file"]] == [".env"]
        env = service["environment"]
        assert "DJANGO_SECRET_KEY" not in env
        assert env["DJANGO_DEBUG"] == "false"
        assert (
            env["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["TASKS_BACKEND"] in ("database", "rq")
    assert services["web"]["environment"]["GUNICORN_BIND"] == "0.0.0.0:8000"
    # The variables the README asks the env file for are named where they are read.
    header = (CONFIG / "compose.yaml").read_text().split("name: entente")[0]
    for variable in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "POSTGRES_PASSWORD"):
        assert variable in header


def test_the_web_healthcheck_probes_readiness(services):
    probe = "\n".join(services["web"]["healthcheck"]["test"])
    [path] = re.findall(r"http://127\.0\.0\.1:8000(/[\w/]*)", probe)
    assert path == "/readyz/"
    assert resolve(path).url_name == "readyz"
    # Longer than gunicorn's graceful_timeout, so requests under way finish on a stop.
    assert int(services["web"]["stop_grace_period"].rstrip("s")) > 30


# systemd --------------------------------------------------------------------------------


def unit(name):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((CONFIG / "systemd" / name).read_text())
    return parser


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("entente-migrate.service", "migrate"),
        ("entente-web.service", "serve"),
        ("entente-worker.service", "worker"),
    ],
)
def test_systemd_units_run_make_targets_that_exist(name, target):
    service = unit(name)["Service"]
    assert service["ExecStart"] == f"/usr/bin/make {target}"
    assert target in make_targets()
    assert service["Environment"] == "DJANGO_DEBUG=false"
    assert service["EnvironmentFile"] == "/etc/entente/env"
    assert service["WorkingDirectory"] == "/srv/entente"
    if name != "entente-migrate.service":
        after = unit(name)["Unit"]
        assert "entente-migrate.service" in after["Requires"].split()
        assert "entente-migrate.service" in after["After"].split()
        # make alone gets SIGTERM, and passes it on: a graceful stop.
        assert service["KillMode"] == "mixed"
    else:
        assert service["Type"] == "oneshot"
    assert sorted(p.name for p in (CONFIG / "systemd").iterdir()) == [
        "entente-migrate.service",
        "entente-web.service",
        "entente-worker.service",
    ]


def test_make_serve_runs_gunicorn_with_its_config():
    makefile = (REPO / "Makefile").read_text()
    [rule] = re.findall(r"^serve:[^=\n]*\n((?:\t.*\n)+)", makefile, re.M)
    assert "gunicorn -c config/gunicorn.py config.wsgi" in rule
    assert "collectstatic --noinput" in rule
    assert (CONFIG / "gunicorn.py").exists() and (CONFIG / "wsgi.py").exists()

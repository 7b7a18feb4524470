"""Production settings by default with DEBUG off; the app refuses to run without a secret key.

Each case starts a process of its own with a clean environment, as a server
would: the settings are read once, at import, from the environment.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KEY = secrets.token_urlsafe(50)
# Settings only (no django.setup()): what config/settings.py makes of the environment.
READ = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({name: getattr(s, name, None) for name in %r}))"
)
NAMES = [
    "DEBUG",
    "SECRET_KEY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "CSRF_TRUSTED_ORIGINS",
    "NUM_PROXIES",
    "REST_FRAMEWORK",
]


def run(args, **variables):
    """A Python process in the checkout with nothing set but `variables`."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.update(variables)
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def settings_with(**variables):
    result = run(["-c", READ % NAMES], **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_check_deploy_passes_with_only_a_secret_key():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DJANGO_SECRET_KEY=KEY
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_values_are_the_defaults_with_debug_off():
    values = settings_with(DJANGO_SECRET_KEY=KEY)
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == KEY
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000  # a year
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # trusted only when named
    assert values["CSRF_TRUSTED_ORIGINS"] == []


def test_development_defaults_with_debug_on():
    values = settings_with(DJANGO_DEBUG="true")
    assert values["DEBUG"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False


def test_a_plain_http_production_run_turns_https_off_through_the_variables():
    values = settings_with(
        DJANGO_SECRET_KEY=KEY,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_CSRF_COOKIE_SECURE="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
    )
    assert values["DEBUG"] is False
    assert not values["SECURE_SSL_REDIRECT"]
    assert not values["SESSION_COOKIE_SECURE"] and not values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_behind_a_proxy():
    values = settings_with(
        DJANGO_SECRET_KEY=KEY,
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://entente.example.org,https://kb.example.org",
        DJANGO_NUM_PROXIES="2",
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["CSRF_TRUSTED_ORIGINS"] == [
        "https://entente.example.org",
        "https://kb.example.org",
    ]
    assert values["NUM_PROXIES"] == 2 and values["REST_FRAMEWORK"]["NUM_PROXIES"] == 2
    other = settings_with(
        DJANGO_SECRET_KEY=KEY, DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Ssl=on"
    )
    assert other["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SSL", "on"]


def test_num_proxies_keeps_its_former_name_as_an_alias():
    assert settings_with(DJANGO_SECRET_KEY=KEY)["NUM_PROXIES"] == 0
    assert settings_with(DJANGO_SECRET_KEY=KEY, API_NUM_PROXIES="1")["NUM_PROXIES"] == 1
    both = settings_with(DJANGO_SECRET_KEY=KEY, API_NUM_PROXIES="1", DJANGO_NUM_PROXIES="3")
    assert both["NUM_PROXIES"] == 3 and both["REST_FRAMEWORK"]["NUM_PROXIES"] == 3


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"DJANGO_DEBUG": "false"},
        {"DJANGO_SECRET_KEY": ""},
        {"DJANGO_SECRET_KEY": "dev-only-insecure-key-change-me"},
    ],
    ids=["unset", "debug-off", "empty", "the-development-key"],
)
def test_with_debug_off_the_settings_refuse_a_missing_secret_key(variables):
    result = run(["-c", READ % ["SECRET_KEY"]], **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set" in result.stderr
    assert not result.stdout


def test_with_debug_off_and_no_secret_key_the_app_refuses_to_start():
    for command in (["manage.py", "check"], ["-c", "from config.wsgi import application"]):
        result = run(command)
        assert result.returncode != 0
        assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set" in result.stderr
        assert not result.stdout


def test_with_debug_on_the_marked_development_key_stays():
    assert settings_with(DJANGO_DEBUG="true")["SECRET_KEY"] == "dev-only-insecure-key-change-me"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded Proto"),
        ("DJANGO_NUM_PROXIES", "-1"),
        ("DJANGO_LOG_LEVEL", "LOUD"),
        ("DUPLICATE_SIMILARITY", "0"),
        ("DUPLICATE_SIMILARITY", "1.5"),
        ("DUPLICATE_SIMILARITY", "high"),
    ],
)
def test_malformed_values_are_refused_by_name(name, value):
    result = run(["-c", READ % [name]], DJANGO_SECRET_KEY=KEY, **{name: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name}=" in result.stderr

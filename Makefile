# Entente: `make run` serves the site, `make test` runs the suite.
# Both set everything up first: virtual env, install, migrate, seed data.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
# Development server only: DEBUG serves static files; production sets it off.
export DJANGO_DEBUG ?= true

.PHONY: run test lint format seed setup migrate messages clean bench bench-import schemathesis \
	worker serve loadtest vendor countries

# The stamp reinstalls only when the dependency list changes.
$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	mkdir -p staticfiles
	touch $@

setup: $(BIN)/.installed

# French interface text: .mo files are built here, never committed.
messages: setup
	test ! -d kb/locale || $(MANAGE) compilemessages --ignore=.venv --ignore=staticfiles -v 0

# Two aliases: the records, and the jobs database (on SQLite a file of its own;
# on PostgreSQL the same database, so the second run has nothing to do).
migrate: messages
	$(MANAGE) migrate --noinput
	$(MANAGE) migrate --noinput --database jobs

run: migrate
	$(MANAGE) seed --if-empty
	@# The downloads page's files, once: the worker rebuilds them after changes.
	$(MANAGE) downloads --if-absent
	@echo ""
	@echo "  Entente is at  http://127.0.0.1:$(PORT)/"
	@echo "  Admin:         http://127.0.0.1:$(PORT)/admin/"
	@echo "  API:           http://127.0.0.1:$(PORT)/api/v1/"
	@echo "  Downloads:     http://127.0.0.1:$(PORT)/en/downloads/"
	@echo "  Create an editor account:  DJANGO_DEBUG=true $(MANAGE) createsuperuser"
	@echo "  A task worker runs beside the server (imports, exports, the downloads)."
	@echo ""
	@# The worker, in the background, ignores Ctrl-C (as sh starts background jobs):
	@# it is stopped when the server stops, however that happens.
	@$(MANAGE) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# The task worker alone, as production runs it (DEBUG off, so DJANGO_SECRET_KEY
# is needed): imports and whole-table exports (README, "Deploying"). `make run`
# starts its own, with the development settings.
worker: DJANGO_DEBUG = false
worker: serve-needs-secret-key migrated
	exec $(MANAGE) worker

# The production stack on this machine (README, "Deploying"): DEBUG off, static
# files collected for WhiteNoise, gunicorn with config/gunicorn.py (its settings
# come from the environment: WEB_CONCURRENCY, GUNICORN_BIND or PORT, ...). Run
# `make migrate` first; the key is checked before anything else.
serve: DJANGO_DEBUG = false
serve: serve-needs-secret-key migrated
	$(MANAGE) collectstatic --noinput -v 0
	$(BIN)/python config/gunicorn.py >/dev/null
	exec $(BIN)/gunicorn -c config/gunicorn.py config.wsgi

# serve and worker do not migrate: several of them start at once (web and worker,
# two web instances), and concurrent migrations collide. `make migrate` runs once
# first (compose's and systemd's one-off migrate job); they refuse to start before.
.PHONY: migrated
migrated: messages
	@$(MANAGE) migrate --check -v 0 >/dev/null && $(MANAGE) migrate --check --database jobs -v 0 >/dev/null \
		|| { echo "The database has unapplied migrations: run make migrate first." >&2; exit 1; }

.PHONY: serve-needs-secret-key
serve-needs-secret-key:
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve and make worker run with DEBUG off: set DJANGO_SECRET_KEY to a long random value" \
		"(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'); see the README, \"Deploying\"." >&2; exit 1; }

# Locust against `make serve` and `make worker` on PostgreSQL and Redis, at
# scale 10, in a scratch database of its own (README, "Deploying"): 50 users for
# 60 s (LOADTEST_USERS, LOADTEST_TIME) while an editor imports through the admin.
# Fails on any error. Needs the PostgreSQL server of DATABASE_URL and Redis
# (LOADTEST_REDIS_URL, default redis://127.0.0.1:6379/14, emptied before and after).
$(BIN)/.loadtest-installed: pyproject.toml $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev,loadtest]"
	touch $@

loadtest: messages $(BIN)/.loadtest-installed
	$(BIN)/python tests/perf/loadtest.py

# Reloads the article's data on purpose, over whatever rows share its keys.
seed: migrate
	$(MANAGE) seed --force

# Two workers: the suite is CPU-bound and these machines have two cores; work
# stealing keeps both busy to the end (a few tests take far longer than the rest).
PYTEST_WORKERS ?= 2

test: messages
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# d3, topojson-client and world-atlas for the map, network and timeline, at the
# versions config/vendor.sh pins, into kb/static/vendor/ (committed: only a
# version change needs npm).
vendor:
	sh config/vendor.sh

# Country names and demonyms for search, from the world-countries npm package at the
# version config/countries.py pins, into kb/lib/data/ (committed: only a version change
# needs npm).
countries:
	python3 config/countries.py

# ruff for style, import-linter for the layers (contracts in pyproject.toml).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Read paths, cold and warm (RESPONSE_CACHE off, on), beside raw SQL, a bare view and
# Datasette (README, "Benchmark"). Its own databases: bench.sqlite3 at scale SCALE and
# bench_10.sqlite3 at 10, or DATABASE_URL's and <name>_10; never the development one.
SCALE ?= 100
$(BIN)/.bench-installed: pyproject.toml $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $@

# It serves the production stack (DEBUG off) over plain HTTP on this machine: a
# throwaway secret key, no HTTPS redirect or secure cookies, failed requests logged only.
BENCH_ENV = DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SESSION_COOKIE_SECURE=false \
	DJANGO_CSRF_COOKIE_SECURE=false DJANGO_LOG_LEVEL=WARNING

bench: messages $(BIN)/.bench-installed
	command -v wrk >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; }
	SCALE=$(SCALE) $(BENCH_ENV) $(BIN)/python tests/perf/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

# Import speed: the library's default settings against Entente's batch path,
# on generated files (10,000 organisations, 50,000 participations) in a
# scratch database. Prints rows per second; not part of the tests.
bench-import: setup
	$(BIN)/python tests/perf/bench_import.py

# The API against its OpenAPI schema with schemathesis, on the PostgreSQL server
# of DATABASE_URL (a scratch database beside it). CI runs it; see the README, "Security".
$(BIN)/.contract-installed: pyproject.toml $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev,contract]"
	touch $@

schemathesis: messages $(BIN)/.contract-installed
	bash tests/contract/schemathesis.sh

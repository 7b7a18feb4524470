#!/usr/bin/env bash
# The API against its own OpenAPI schema (`make schemathesis`; CI runs it on PostgreSQL).
#
# Serves the article's data from a scratch database of the server in DATABASE_URL
# (<name>_schemathesis, made afresh) with gunicorn, DEBUG off as in production but over
# plain HTTP, and throttling off so no 429 interrupts the run; then schemathesis
# runs its examples, coverage and fuzzing phases, seeded and bounded by example
# counts, with the four checks below. Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=.venv/bin
PORT=${SCHEMATHESIS_PORT:-8791}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-50}
SEED=${SCHEMATHESIS_SEED:-20251124}
BASE_URL=${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres}

ADMIN_URL="${BASE_URL%/*}/postgres"
NAME="$(basename "${BASE_URL%%\?*}")_schemathesis"
psql "$ADMIN_URL" -q -c "DROP DATABASE IF EXISTS \"$NAME\"" -c "CREATE DATABASE \"$NAME\""

export DATABASE_URL="${BASE_URL%/*}/$NAME"
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="schemathesis-run-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
# Plain HTTP on loopback: no HTTPS redirect, no secure-only cookies.
export DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SESSION_COOKIE_SECURE=false DJANGO_CSRF_COOKIE_SECURE=false
export DJANGO_SECURE_HSTS_SECONDS=0
export API_ANON_THROTTLE_RATE=none

$BIN/python manage.py migrate --noinput -v 0
$BIN/python manage.py seed --if-empty -v 0

# gunicorn, as production serves (config/gunicorn.py), two workers for the two cores.
# Not runserver: it keeps connections alive without TCP_NODELAY, so each of
# schemathesis's requests on its kept connection waited some 40 ms for a delayed
# ACK (48 ms a request against 12 here), two thirds of the run's time.
GUNICORN_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=2 DJANGO_LOG_LEVEL=WARNING \
    $BIN/gunicorn -c config/gunicorn.py config.wsgi > schemathesis-server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; psql "$ADMIN_URL" -q -c "DROP DATABASE IF EXISTS \"$NAME\"" || true' EXIT
for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$PORT/api/v1/" >/dev/null && break
    sleep 1
done

$BIN/schemathesis run "http://127.0.0.1:$PORT/api/schema/?format=json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" \
    --seed "$SEED" \
    --workers 2

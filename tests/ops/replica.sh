#!/usr/bin/env bash
# The read replica against a real PostgreSQL standby (CI runs it as root, on PostgreSQL).
#
# Streams a second PostgreSQL 15 cluster from the primary on 127.0.0.1:5432
# (pg_basebackup -R: a hot standby in a temporary directory, on the first free
# port from 5433), runs tests/ops/test_replica.py against the pair, and prints
# the replication lag they measured. The standby and its directory are removed
# on every exit. The primary is left as it was found but for one line: a
# `host replication all 127.0.0.1/32 trust` entry in its pg_hba.conf, added
# (and the configuration reloaded) when absent, which pg_basebackup and the
# standby's stream need; it stays, so later runs find it there.
# The tests fail rather than skip (REPLICA_REQUIRED=1), and the run fails if
# any test failed, errored or was skipped, or none ran.
set -euo pipefail
cd "$(dirname "$0")/../.."

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
# A name of its own: pytest-django makes test_<name> on the primary, and the
# standby receives it like everything else the primary writes.
DB_NAME=${REPLICA_TEST_DB:-entente_replica}

if [ "$(id -u)" != 0 ]; then
    echo "tests/ops/replica.sh runs as root: it runs PostgreSQL's commands as the postgres user" >&2
    exit 1
fi
as_postgres() { runuser -u postgres -- "$@"; }
primary_sql() { as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atqc "$1"; }

if ! as_postgres "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PRIMARY_PORT" -q; then
    echo "No PostgreSQL primary answers on 127.0.0.1:$PRIMARY_PORT" >&2
    exit 1
fi
[ "$(primary_sql "SHOW server_version_num")" -ge 150000 ] || {
    echo "The primary is not PostgreSQL 15 or later" >&2
    exit 1
}
[ "$(primary_sql "SHOW wal_level")" != minimal ] || {
    echo "The primary's wal_level is minimal: a standby needs 'replica'" >&2
    exit 1
}

# --- The primary accepts replication connections from loopback -------------------------
HBA=$(primary_sql "SHOW hba_file")
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$HBA"; then
    echo "== adding 'host replication all 127.0.0.1/32 trust' to $HBA (it stays)"
    printf '\n# Streaming replication from loopback (tests/ops/replica.sh).\nhost replication all 127.0.0.1/32 trust\n' >>"$HBA"
    primary_sql "SELECT pg_reload_conf()" >/dev/null
fi

# --- A standby on a free port --------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=${REPLICA_PORT:-5433}
while port_in_use "$PORT"; do PORT=$((PORT + 1)); done

WORK=$(mktemp -d /tmp/entente-replica.XXXXXX)
DATA="$WORK/data"
LAG_REPORT="$WORK/lag.txt"
cleanup() {
    status=$?
    if [ "$status" != 0 ] && [ -s "$LAG_REPORT" ]; then
        echo "== replication lag (measured before the failure)"
        cat "$LAG_REPORT"
    fi
    if [ -f "$DATA/postmaster.pid" ]; then
        as_postgres "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chown postgres: "$WORK"

echo "== standby: pg_basebackup -R from 127.0.0.1:$PRIMARY_PORT into $DATA, port $PORT"
started=$(date +%s)
# The reload above reaches the server's processes a moment later: retry briefly.
# A fast checkpoint starts the copy at once; a throwaway copy needs no fsync.
for try in 1 2 3 4 5; do
    if as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
        -D "$DATA" -R -X stream -c fast --no-sync 2>"$WORK/basebackup.err"; then
        break
    fi
    [ "$try" -lt 5 ] || { cat "$WORK/basebackup.err" >&2; exit 1; }
    rm -rf "$DATA"
    sleep 1
done
# Debian keeps the configuration out of the data directory: the standby gets its own.
as_postgres tee "$DATA/postgresql.conf" >/dev/null <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
cluster_name = 'entente_replica_$PORT'
hot_standby = on
shared_buffers = 32MB
EOF
as_postgres tee "$DATA/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
as_postgres touch "$DATA/pg_ident.conf"
as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/standby.log" -w -t 60 start >/dev/null

recovering=""
for _ in $(seq 1 60); do
    recovering=$(as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -Atqc \
        "SELECT pg_is_in_recovery()" 2>/dev/null || true)
    [ "$recovering" = t ] && break
    sleep 0.5
done
if [ "$recovering" != t ]; then
    echo "The standby on port $PORT did not come up in recovery" >&2
    cat "$WORK/standby.log" >&2
    exit 1
fi
echo "== standby up in $(($(date +%s) - started)) s: in recovery, streaming from the primary"

echo "== tests/ops/test_replica.py against it"
DATABASE_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB_NAME" \
    DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$PORT/$DB_NAME" \
    REPLICA_REQUIRED=1 REPLICA_LAG_REPORT="$LAG_REPORT" \
    .venv/bin/pytest tests/ops/test_replica.py -m replica -p no:cacheprovider -q \
    --junitxml="$WORK/junit.xml"

# Every test ran and passed: none skipped (pytest exits 0 on skips).
.venv/bin/python - "$WORK/junit.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET

suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
counts = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
print("replica tests:", counts)
if counts["tests"] == 0 or counts["failures"] or counts["errors"] or counts["skipped"]:
    sys.exit("replica tests: every one must run and pass")
EOF

echo "== replication lag"
cat "$LAG_REPORT"
echo "== replica script done in $(($(date +%s) - started)) s"

"""The load test's report (tests/perf/loadtest.py): locust's CSV files read back as one
table, and the 5xx lines of gunicorn's JSON access log."""

import csv
import json
from pathlib import Path

# Request kinds that are not requests to the server (the locustfile's import summary).
NOT_HTTP = {"IMPORT"}


def read_stats(prefix):
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def read_failures(prefix):
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def report(rows):
    header = f"{'request':<28} {'count':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}"
    lines = [header, "-" * len(header)]
    for row in rows:
        if row["Name"] == "Aggregated":
            name = "all requests"
        elif row["Type"] in NOT_HTTP:
            name = row["Name"]
        else:
            name = f"{row['Type']} {row['Name']}"
        lines.append(
            f"{name:<28} {int(row['Request Count']):>7} {float(row['Requests/s']):>7.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {int(row['Failure Count']):>6}"
        )
    return "\n".join(lines)


def server_errors(access_log):
    """5xx lines in gunicorn's JSON access log (stdout of `make serve`)."""
    errors = total = 0
    for line in access_log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue  # make's own lines
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "gunicorn.access":
            total += 1
            errors += (entry.get("status") or 0) >= 500
    return total, errors

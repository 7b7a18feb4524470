"""The benchmark's figures: wrk's output parsed, runs combined, targets checked.

Pure functions, no Django: tests/perf/test_bench.py checks them (the tables: tables.py), so the
report does not rot between runs of `make bench` (tests/perf/bench.py).
"""

import json
import operator
import re
import statistics

THREADS, CONNECTIONS = 2, 4  # wrk's load: -t2 -c4

# The cases the targets name (tests/perf/cases.py). Every case but the detail
# is a list; the warm-throughput target names the cases a cache should carry.
DETAIL_CASES = {"event_detail_50_participants"}
WARM_VS_DATASETTE = (
    "page_1",
    "organisations_by_region",
    "event_detail_50_participants",
    "html_list",
)
HTML_CASE, ITS_JSON = "html_list", "organisations_by_region"
SEARCH_CASE = "search"
# Issue 14's cases (tests/perf/cases.py make_view_cases): the data behind the map,
# the network and the connections table, measured cold, each with a p95 bound.
VIEW_P95_LIMIT_MS = 200

OPERATORS = {"≥": operator.ge, "≤": operator.le, "<": operator.lt}


def parse_wrk(output):
    """wrk's output with tests/perf/wrk_report.lua: p50/p95 in ms, requests per second."""
    match = re.search(r"^WRK_JSON (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise ValueError(f"No WRK_JSON line in wrk's output:\n{output}")
    data = json.loads(match.group(1))
    seconds = data["duration_us"] / 1e6
    # No request finished in the run (Datasette's slowest pages in a short
    # one): wrk's percentiles then read 0, which is no latency at all.
    done = data["requests"] > 0
    return {
        "p50_ms": data["p50_us"] / 1000 if done else None,
        "p95_ms": data["p95_us"] / 1000 if done else None,
        "rps": data["requests"] / seconds if seconds else 0.0,
        "errors": data["errors"] + data["non2xx"],
    }


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def median_of_runs(runs):
    """Each figure's median over the runs that have it (errors are summed)."""
    return {
        "p50_ms": _median(r["p50_ms"] for r in runs),
        "p95_ms": _median(r["p95_ms"] for r in runs),
        "rps": statistics.median(r["rps"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
    }


def ratio(a, b):
    return None if a is None or not b else a / b


# --- One case's figures ------------------------------------------------------------------


def endpoint_entry(case, cold, floor, warm, small=None, datasette=None, datasette_default=None):
    """A case's entry in bench-results.json.

    case: the case (name, url, queries, floor_sql_p50_ms); cold, floor, warm,
    small, datasette, datasette_default: median_of_runs() figures of the app
    without and with its response cache, the HTTP floor, the app cold at the
    small scale, and Datasette with and without its flags (None when not run).
    """
    entry = {
        "name": case["name"],
        "url": case["url"],
        "p50_ms": cold["p50_ms"],
        "p95_ms": cold["p95_ms"],
        "rps": cold["rps"],
        "errors": cold["errors"],
        "warm_p50_ms": warm["p50_ms"],
        "warm_p95_ms": warm["p95_ms"],
        "warm_rps": warm["rps"],
        "warm_errors": warm["errors"],
        "queries": case["queries"],
        "floor_sql_p50_ms": case["floor_sql_p50_ms"],
        "floor_http_p50_ms": floor["p50_ms"],
        "floor_http_p95_ms": floor["p95_ms"],
        "floor_http_rps": floor["rps"],
        "p50_ms_scale_10": small["p50_ms"] if small else None,
        "datasette_p50_ms": None,
        "datasette_rps": None,
        "datasette_default_p50_ms": None,
        "datasette_default_rps": None,
    }
    if datasette is not None:
        entry.update(
            datasette_p50_ms=datasette["p50_ms"],
            datasette_rps=datasette["rps"],
            datasette_errors=datasette["errors"],
            datasette_url=case["datasette_url"],
        )
    if datasette_default is not None:
        entry.update(
            datasette_default_p50_ms=datasette_default["p50_ms"],
            datasette_default_rps=datasette_default["rps"],
        )
    return entry


def view_entry(case, cold):
    """A view case's entry: the app cold only (it has no floor or Datasette twin)."""
    return {
        "name": case["name"],
        "url": case["url"],
        "p50_ms": cold["p50_ms"],
        "p95_ms": cold["p95_ms"],
        "rps": cold["rps"],
        "errors": cold["errors"],
        "queries": case["queries"],
    }


# --- Targets -----------------------------------------------------------------------------


def target(name, measured, op, limit, unit="×"):
    """One target: met is None when its figure was not measured."""
    return {
        "name": name,
        "measured": measured,
        "target": f"{op} {limit:.1f}{unit}" if unit == "×" else f"{op} {limit:g}{unit}",
        "met": None if measured is None else bool(OPERATORS[op](measured, limit)),
    }


def evaluate_targets(results):
    """Issue 13's targets, in its order, for the cases measured.

    A target is listed when every case it names was measured (`--only` leaves
    some out); its figure is None, and met None, when a figure it needs is
    missing. Datasette's targets exist on SQLite only, where it runs.
    """
    endpoints = results["endpoints"]
    by_name = {e["name"]: e for e in endpoints}
    with_datasette = results["database"] == "sqlite"
    small = results.get("small_scale") or "small"
    targets = []
    if with_datasette:
        targets += [
            target(
                f"{e['name']}: cold req/s over Datasette's",
                ratio(e["rps"], e["datasette_rps"]),
                "≥",
                2.0,
            )
            for e in endpoints
        ]
    targets += [
        target(
            f"{e['name']}: cold p50 over its HTTP floor's",
            ratio(e["p50_ms"], e["floor_http_p50_ms"]),
            "≤",
            2.0,
        )
        for e in endpoints
        if e["name"] not in DETAIL_CASES
    ]
    if SEARCH_CASE in by_name:
        e = by_name[SEARCH_CASE]
        targets.append(
            target(
                f"{SEARCH_CASE}: cold p95 over its HTTP floor's",
                ratio(e["p95_ms"], e.get("floor_http_p95_ms")),
                "≤",
                2.0,
            )
        )
    if with_datasette:
        targets += [
            target(
                f"{name}: warm req/s over Datasette's",
                ratio(by_name[name].get("warm_rps"), by_name[name]["datasette_rps"]),
                "≥",
                5.0,
            )
            for name in WARM_VS_DATASETTE
            if name in by_name
        ]
    targets += [
        target(
            f"{e['name']}: warm p50 over its HTTP floor's",
            ratio(e.get("warm_p50_ms"), e["floor_http_p50_ms"]),
            "≤",
            1.0,
        )
        for e in endpoints
    ]
    targets += [
        target(
            f"{e['name']}: cold p50 at scale {results['scale']} over scale {small}",
            ratio(e["p50_ms"], e.get("p50_ms_scale_10")),
            "≤",
            1.3,
        )
        for e in endpoints
    ]
    if HTML_CASE in by_name and ITS_JSON in by_name:
        # From the two measured with their runs alternating (bench.py), when they were:
        # each case's own runs lie minutes apart, and a slower spell in one of them
        # showed as the page's cost (1.46× in one run, 2.20× in the next).
        paired = results.get("html_vs_json") or {
            "html_p50_ms": by_name[HTML_CASE]["p50_ms"],
            "json_p50_ms": by_name[ITS_JSON]["p50_ms"],
        }
        targets.append(
            target(
                f"{HTML_CASE}: cold p50 over {ITS_JSON}'s (the same query as JSON)",
                ratio(paired["html_p50_ms"], paired["json_p50_ms"]),
                "≤",
                1.5,
            )
        )
    targets += [
        target(f"{e['name']}: cold p95", e["p95_ms"], "≤", VIEW_P95_LIMIT_MS, " ms")
        for e in results.get("views", [])
    ]
    targets.append(
        target(
            "worker memory (largest gunicorn worker RSS)",
            results.get("worker_rss_mb"),
            "<",
            300,
            " MB",
        )
    )
    return targets


def build_results(
    scale, database, endpoints, worker_rss_mb=None, small_scale=None, extra=None, views=()
):
    """The bench-results.json document."""
    results = {
        "scale": scale,
        "small_scale": small_scale,
        "database": database,
        "endpoints": endpoints,
        "views": list(views),
        "worker_rss_mb": worker_rss_mb,
    }
    results.update(extra or {})
    results["targets"] = evaluate_targets(results)
    return results


def summary(targets):
    """The closing line: all met, or how many are not (and how many went unmeasured)."""
    unmet = sum(t["met"] is False for t in targets)
    unmeasured = sum(t["met"] is None for t in targets)
    if not unmet and not unmeasured:
        return f"All {len(targets)} targets met"
    line = f"{unmet} of {len(targets)} targets NOT met"
    return f"{line}, {unmeasured} not measured" if unmeasured else line

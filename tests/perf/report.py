"""The benchmark's figures: wrk's output parsed, runs combined, targets checked, the table.

Pure functions, no Django: tests/perf/test_bench.py checks them, so the
report does not rot between runs of `make bench` (tests/perf/bench.py).
"""

import json
import re
import statistics

THREADS, CONNECTIONS = 2, 4  # wrk's load: -t2 -c4

TARGETS = [
    # (key, label, limit, how the value compares)
    ("orgs_throughput", "Organisations list: throughput ≥ 2× Datasette's", 2.0, ">="),
    ("orgs_p50", "Organisations list: p50 ≤ 2× the HTTP floor", 2.0, "<="),
    ("deep_p95", "Deep page: p95 ≤ 1.2× page 1's", 1.2, "<="),
    ("search_p95", "Search: p95 ≤ 50 ms", 50.0, "<="),
    ("html_p50", "HTML list page ≤ 2× its JSON (p50)", 2.0, "<="),
    ("worker_rss", "Worker memory < 300 MB", 300.0, "<"),
]


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

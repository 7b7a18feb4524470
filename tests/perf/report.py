"""The benchmark's figures: wrk's output parsed, runs combined, targets checked, the tables.

Pure functions, no Django: tests/perf/test_bench.py checks them, so the
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


# --- Tables ------------------------------------------------------------------------------


def fmt(value, digits=1):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _measured(t):
    if t["measured"] is None:
        return "—"
    if t["target"].endswith("×"):
        return f"{fmt(t['measured'], 2)}×"
    unit = t["target"].rsplit(" ", 1)[-1]
    return f"{fmt(t['measured'], 1)} {unit}"


def _verdict(t):
    return {True: "met", False: "NOT met", None: "n/a"}[t["met"]]


def columns(results):
    """(header, cell of an entry) for each column; columns that are empty in
    every row (Datasette's, on PostgreSQL) are left out."""
    small = results.get("small_scale") or "small"
    every = [
        ("case", lambda e: e["name"]),
        ("p50", lambda e: fmt(e["p50_ms"])),
        ("p95", lambda e: fmt(e["p95_ms"])),
        ("req/s", lambda e: fmt(e["rps"], 0)),
        ("warm p50", lambda e: fmt(e.get("warm_p50_ms"))),
        ("warm p95", lambda e: fmt(e.get("warm_p95_ms"))),
        ("warm req/s", lambda e: fmt(e.get("warm_rps"), 0)),
        ("queries", lambda e: str(e["queries"])),
        ("SQL floor", lambda e: fmt(e["floor_sql_p50_ms"], 2)),
        ("floor p50", lambda e: fmt(e["floor_http_p50_ms"])),
        ("floor p95", lambda e: fmt(e.get("floor_http_p95_ms"))),
        ("×floor", lambda e: fmt(ratio(e["p50_ms"], e["floor_http_p50_ms"]), 2)),
        ("DS p50", lambda e: fmt(e["datasette_p50_ms"])),
        ("DS req/s", lambda e: fmt(e["datasette_rps"], 0)),
        ("×DS", lambda e: fmt(ratio(e["rps"], e["datasette_rps"]), 2)),
        ("×DS warm", lambda e: fmt(ratio(e.get("warm_rps"), e["datasette_rps"]), 2)),
        # The bare view's own ratio: what a view over the ORM reaches at best.
        ("floor ×DS", lambda e: fmt(ratio(e.get("floor_http_rps"), e["datasette_rps"]), 2)),
        (f"p50 @{small}", lambda e: fmt(e.get("p50_ms_scale_10"))),
        ("growth", lambda e: fmt(ratio(e["p50_ms"], e.get("p50_ms_scale_10")), 2)),
    ]
    return [
        (header, cell)
        for header, cell in every
        if header == "case" or any(cell(e) != "—" for e in results["endpoints"])
    ]


def _title(results):
    small = results.get("small_scale")
    scales = f"scale {results['scale']}" + (f" (and {small})" if small else "")
    return f"Entente bench: {scales}, {results['database']}, wrk -t{THREADS} -c{CONNECTIONS}"


LEGEND = (
    "Times in ms. p50, p95, req/s: the app cold (response cache off); warm: the "
    "response cache on, after a warm-up; floor: the HTTP floor; ×floor: cold p50 over "
    "the floor's; ×DS, ×DS warm, floor ×DS: the app's cold, warm and the floor's req/s over "
    "Datasette's; p50 @{small}: cold p50 at "
    "scale {small}; growth: cold p50 over it."
)


def _view_figures(results):
    return [
        f"{e['name']} p50 {fmt(e['p50_ms'])} ms, p95 {fmt(e['p95_ms'])} ms, "
        f"{fmt(e['rps'], 0)} req/s, {e['queries']} queries"
        for e in results["views"]
    ]


def _datasette_defaults(results):
    figures = [
        f"{e['name']} {fmt(e['datasette_default_p50_ms'], 0)} ms"
        if e.get("datasette_default_p50_ms") is not None
        else f"{e['name']} none answered within the run"
        for e in results["endpoints"]
        if e.get("datasette_default_rps") is not None
    ]
    if not figures:
        return None
    return "Datasette with its defaults (facet suggestions on), p50: " + ", ".join(figures) + "."


def _failures(results):
    """The runs with failed requests, whose figures are not to be trusted; None if none."""
    failed = [
        f"{e['name']} {label} {e[key]:,}"
        for e in [*results["endpoints"], *results.get("views", [])]
        for key, label in (("errors", "cold"), ("warm_errors", "warm"), ("datasette_errors", "DS"))
        if e.get(key)
    ]
    if not failed:
        return None
    return (
        "FAILED REQUESTS (socket errors or non-2xx answers; those figures are suspect): "
        + ", ".join(failed)
        + "."
    )


def format_table(results):
    """The printed report: the table, then each target, then the summary line."""
    cols = columns(results)
    rows = [[header for header, _ in cols]]
    rows += [[cell(e) for _, cell in cols] for e in results["endpoints"]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(cols))]
    lines = [_title(results)]
    for i, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append(" | ".join(cells))
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    lines.append(LEGEND.format(small=results.get("small_scale") or "small"))
    if results.get("views"):
        lines.append("")
        lines.append("Views' data (cold): " + "; ".join(_view_figures(results)))
    defaults = _datasette_defaults(results)
    if defaults:
        lines.append(defaults)
    lines.append(f"gunicorn worker RSS (max): {fmt(results.get('worker_rss_mb'))} MB")
    failures = _failures(results)
    if failures:
        lines.append(failures)
    lines.append("")
    lines.append("Targets:")
    for t in results["targets"]:
        lines.append(f"  [{_verdict(t):^7}] {t['name']}: {_measured(t)} ({t['target']})")
    lines.append("")
    lines.append(summary(results["targets"]))
    return "\n".join(lines)


def _markdown_row(cells):
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def format_markdown(results):
    """The table and the targets in GitHub-flavoured Markdown, for the closing note."""
    cols = columns(results)
    lines = [f"{_title(results)}.", ""]
    lines.append(_markdown_row([header for header, _ in cols]))
    lines.append("|" + "---|" * len(cols))
    lines += [_markdown_row([cell(e) for _, cell in cols]) for e in results["endpoints"]]
    lines += ["", LEGEND.format(small=results.get("small_scale") or "small")]
    if results.get("views"):
        lines += ["", "| view case | p50 | p95 | req/s | queries |", "|---|---|---|---|---|"]
        lines += [
            _markdown_row(
                [e["name"], fmt(e["p50_ms"]), fmt(e["p95_ms"]), fmt(e["rps"], 0), str(e["queries"])]
            )
            for e in results["views"]
        ]
    defaults = _datasette_defaults(results)
    if defaults:
        lines += ["", defaults]
    lines += [
        "",
        f"Worker memory (largest gunicorn worker RSS): {fmt(results.get('worker_rss_mb'))} MB.",
        "",
    ]
    failures = _failures(results)
    if failures:
        lines += [failures, ""]
    lines.append(_markdown_row(["target", "measured", "limit", "met"]))
    lines.append("|---|---|---|---|")
    lines += [
        _markdown_row([t["name"], _measured(t), t["target"], _verdict(t)])
        for t in results["targets"]
    ]
    lines += ["", summary(results["targets"]) + "."]
    return "\n".join(lines) + "\n"

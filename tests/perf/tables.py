"""The benchmark's printed table and its Markdown twin, from report.py's results.

Pure functions, no Django: tests/perf/test_bench.py checks them with the figures
(report.py), so the report does not rot between runs of `make bench`.
"""

from tests.perf.report import CONNECTIONS, THREADS, ratio, summary


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

"""The benchmark's pure parts (report.py, tables.py, databases.py, bench.py), so it does not rot."""

import pytest

from tests.perf import bench, databases, report, servers, tables

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/api/v1/organisations/
  2 threads and 4 connections
WRK_JSON {"p50_us": 4200, "p95_us": 9100, "requests": 5000, "duration_us": 10000000, \
"errors": 0, "non2xx": 2}
"""

CASES = (
    "organisations_by_region",
    "events_by_participant_and_dates",
    "event_detail_50_participants",
    "html_list",
    "search",
    "page_1",
    "deep_page",
)


def figures(p50=10.0, p95=20.0, rps=400.0, errors=0):
    return {"p50_ms": p50, "p95_ms": p95, "rps": rps, "errors": errors}


def entry(name, cold=None, floor=None, warm=None, small=None, datasette=None):
    """An entry as bench.py builds it: by default every target of the case is met."""
    case = {
        "name": name,
        "url": f"/{name}/",
        "queries": 3,
        "floor_sql_p50_ms": 0.5,
        "datasette_url": f"/bench/{name}.json",
    }
    return report.endpoint_entry(
        case,
        cold or figures(p50=10.0, p95=20.0, rps=400.0),
        floor or figures(p50=6.0, p95=12.0, rps=600.0),
        warm or figures(p50=2.0, p95=4.0, rps=2000.0),
        small or figures(p50=9.0),
        datasette,
        datasette and figures(p50=3000.0, rps=1.0),
    )


def sqlite_results(**overrides):
    """Every case on SQLite; overrides replace a case's entry."""
    endpoints = [
        overrides.get(name) or entry(name, datasette=figures(p50=30.0, rps=100.0)) for name in CASES
    ]
    return report.build_results(100, "sqlite", endpoints, worker_rss_mb=120.0, small_scale=10)


def by_name(results):
    return {t["name"]: t for t in results["targets"]}


def test_parse_wrk():
    assert report.parse_wrk(WRK_OUTPUT) == {"p50_ms": 4.2, "p95_ms": 9.1, "rps": 500.0, "errors": 2}


def test_a_run_in_which_no_request_finished_has_no_latency():
    output = WRK_OUTPUT.replace('"requests": 5000', '"requests": 0').replace("4200", "0")
    assert report.parse_wrk(output) == {"p50_ms": None, "p95_ms": None, "rps": 0.0, "errors": 2}
    runs = [report.parse_wrk(output), report.parse_wrk(WRK_OUTPUT)]
    assert report.median_of_runs(runs)["p50_ms"] == 4.2


def test_median_of_runs():
    runs = [{"p50_ms": p, "p95_ms": p * 2, "rps": 100 / p, "errors": 1} for p in (1, 3, 2)]
    assert report.median_of_runs(runs) == {"p50_ms": 2, "p95_ms": 4, "rps": 50, "errors": 3}


def test_an_entry_keeps_the_old_fields_and_adds_warm_growth_and_floor_p95():
    e = entry("page_1", datasette=figures(p50=30.0, rps=100.0))
    old = {
        "name",
        "url",
        "p50_ms",
        "p95_ms",
        "rps",
        "errors",
        "queries",
        "floor_sql_p50_ms",
        "floor_http_p50_ms",
        "floor_http_rps",
        "datasette_p50_ms",
        "datasette_rps",
        "datasette_errors",
        "datasette_url",
        "datasette_default_p50_ms",
        "datasette_default_rps",
    }
    new = {"warm_p50_ms", "warm_p95_ms", "warm_rps", "p50_ms_scale_10", "floor_http_p95_ms"}
    assert old | new <= set(e)
    assert (e["warm_rps"], e["p50_ms_scale_10"], e["floor_http_p95_ms"]) == (2000.0, 9.0, 12.0)


def test_every_sqlite_target_in_the_issues_order_each_met():
    results = sqlite_results()
    names = [t["name"] for t in results["targets"]]
    # 7 throughputs, 6 list p50s, search's p95, 4 warm throughputs, 7 warm p50s,
    # 7 growths, the HTML page, the memory.
    assert len(names) == 7 + 6 + 1 + 4 + 7 + 7 + 1 + 1
    assert len(set(names)) == len(names)
    assert names[0] == "organisations_by_region: cold req/s over Datasette's"
    assert names[-1] == "worker memory (largest gunicorn worker RSS)"
    assert all(t["met"] is True for t in results["targets"]), results["targets"]
    assert set(results["targets"][0]) == {"name", "measured", "target", "met"}
    assert report.summary(results["targets"]) == "All 34 targets met"


def test_the_detail_has_no_list_target_and_only_four_cases_a_warm_throughput_one():
    targets = by_name(sqlite_results())
    assert "event_detail_50_participants: cold p50 over its HTTP floor's" not in targets
    assert "event_detail_50_participants: warm req/s over Datasette's" in targets
    assert "search: warm req/s over Datasette's" not in targets


def test_unmet_targets_and_their_figures():
    slow = entry(
        "html_list",
        cold=figures(p50=16.0, rps=150.0),  # 1.6× organisations_by_region's 10 ms
        warm=figures(p50=7.0, rps=400.0),  # above the floor's 6 ms; 4× Datasette's
        small=figures(p50=10.0),  # grew 1.6×
        datasette=figures(rps=100.0),
    )
    results = sqlite_results(html_list=slow)
    targets = by_name(results)
    unmet = {name for name, t in targets.items() if t["met"] is False}
    assert unmet == {
        "html_list: cold req/s over Datasette's",  # 1.5×
        "html_list: cold p50 over its HTTP floor's",  # 16 / 6
        "html_list: warm req/s over Datasette's",
        "html_list: warm p50 over its HTTP floor's",
        "html_list: cold p50 at scale 100 over scale 10",
        "html_list: cold p50 over organisations_by_region's (the same query as JSON)",
    }
    growth = targets["html_list: cold p50 at scale 100 over scale 10"]
    assert growth["measured"] == pytest.approx(1.6)
    assert growth["target"] == "≤ 1.3×"
    assert targets["html_list: cold req/s over Datasette's"]["target"] == "≥ 2.0×"
    assert targets["worker memory (largest gunicorn worker RSS)"]["target"] == "< 300 MB"
    assert report.summary(results["targets"]) == "6 of 34 targets NOT met"


def test_the_html_target_reads_the_page_and_its_json_measured_alternating():
    name = "html_list: cold p50 over organisations_by_region's (the same query as JSON)"
    # The cases' own p50s (both 10 ms) meet it; the alternating runs decide.
    endpoints = [entry(n, datasette=figures(rps=100.0)) for n in CASES]
    paired = {"html_vs_json": {"html_p50_ms": 9.0, "json_p50_ms": 5.0}}
    results = report.build_results(100, "sqlite", endpoints, small_scale=10, extra=paired)
    target = by_name(results)[name]
    assert (target["measured"], target["met"]) == (pytest.approx(1.8), False)
    paired = {"html_vs_json": {"html_p50_ms": 7.0, "json_p50_ms": 5.0}}
    results = report.build_results(100, "sqlite", endpoints, small_scale=10, extra=paired)
    assert by_name(results)[name]["met"] is True
    # Without them (a run before this measurement existed), the cases' own.
    results = report.build_results(100, "sqlite", endpoints, small_scale=10)
    assert by_name(results)[name]["measured"] == pytest.approx(1.0)


def test_a_target_whose_figure_is_missing_is_neither_met_nor_unmet():
    unscaled = entry("page_1", datasette=figures(rps=100.0))
    unscaled["p50_ms_scale_10"] = None
    unscaled["datasette_default_p50_ms"] = None  # no request finished in its run
    endpoints = [unscaled]
    results = report.build_results(100, "sqlite", endpoints, worker_rss_mb=None, small_scale=None)
    targets = by_name(results)
    assert targets["page_1: cold p50 at scale 100 over scale small"]["met"] is None
    assert targets["worker memory (largest gunicorn worker RSS)"]["measured"] is None
    assert report.summary(results["targets"]) == "0 of 6 targets NOT met, 2 not measured"
    text = tables.format_table(results)
    assert "[  n/a  ] worker memory (largest gunicorn worker RSS): — (< 300 MB)" in text
    assert "p50: page_1 none answered within the run." in text


def test_a_subset_of_cases_lists_only_the_targets_of_the_cases_measured():
    endpoints = [entry(name, datasette=figures(rps=100.0)) for name in ("page_1", "html_list")]
    names = {t["name"] for t in report.build_results(100, "sqlite", endpoints)["targets"]}
    assert not any(name.startswith(("search", "organisations_by_region")) for name in names)
    assert not any("over organisations_by_region's" in name for name in names)


def test_postgresql_has_no_datasette_targets_nor_columns():
    endpoints = [entry(name) for name in CASES]
    results = report.build_results(100, "postgresql", endpoints, worker_rss_mb=99.0, small_scale=10)
    names = [t["name"] for t in results["targets"]]
    assert len(names) == 6 + 1 + 7 + 7 + 1 + 1
    assert not any("Datasette" in name for name in names)
    assert results["endpoints"][0]["datasette_rps"] is None
    headers = [header for header, _ in tables.columns(results)]
    assert "DS req/s" not in headers and "×DS warm" not in headers
    assert "floor ×DS" not in headers
    assert "p50 @10" in headers and "growth" in headers


def test_the_printed_report():
    text = tables.format_table(sqlite_results())
    header = next(line for line in text.splitlines() if line.startswith("case "))
    for column in ("warm p50", "floor p95", "×floor", "×DS warm", "p50 @10", "growth"):
        assert column in header
    assert "[  met  ] page_1: warm req/s over Datasette's: 20.00× (≥ 5.0×)" in text
    assert "Datasette with its defaults (facet suggestions on), p50: " in text
    assert text.splitlines()[-1] == "All 34 targets met"


def test_the_floors_own_ratio_to_datasette():
    # The floor's req/s over Datasette's (600 over 100 in sqlite_results()): what a bare
    # view reaches, beside the app's ×DS (400 over 100).
    results = sqlite_results()
    cells = dict(tables.columns(results))
    assert cells["floor ×DS"](results["endpoints"][0]) == "6.00"
    assert cells["×DS"](results["endpoints"][0]) == "4.00"


def test_failed_requests_are_reported():
    assert "FAILED" not in tables.format_table(sqlite_results())
    broken = entry("page_1", warm=figures(p50=2.0, errors=9), datasette=figures(rps=100.0))
    results = sqlite_results(page_1=broken)
    assert "those figures are suspect): page_1 warm 9." in tables.format_table(results)
    assert "page_1 warm 9." in tables.format_markdown(results)


def test_the_markdown_table_and_targets():
    results = sqlite_results()
    markdown = tables.format_markdown(results)
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    width = len(tables.columns(results))
    table, targets = rows[: 2 + len(CASES)], rows[2 + len(CASES) :]
    assert table[1] == "|" + "---|" * width
    assert all(row.count(" | ") == width - 1 for row in table[:1] + table[2:])
    assert table[2].startswith("| organisations_by_region | 10.0 | 20.0 | 400 | 2.0 |")
    assert targets[0] == "| target | measured | limit | met |"
    assert len(targets) == 2 + len(results["targets"])
    assert "| worker memory (largest gunicorn worker RSS) | 120.0 MB | < 300 MB | met |" in (
        targets
    )
    assert markdown.rstrip().endswith("All 34 targets met.")


def test_the_development_database_is_refused():
    with pytest.raises(SystemExit):
        databases.bench_database_url({"DATABASE_URL": f"sqlite:///{databases.DEV_SQLITE}"})
    with pytest.raises(SystemExit):
        databases.bench_database_url({"DATABASE_URL": "sqlite:///db.sqlite3"})
    assert databases.bench_database_url({}) == f"sqlite:///{databases.DEFAULT_SQLITE}"


def test_the_small_scale_database_is_named_after_the_big_one():
    big = databases.bench_database_url({})
    assert (
        databases.small_database_url(big, 10) == f"sqlite:///{databases.REPO / 'bench_10.sqlite3'}"
    )
    assert databases.small_database_url(big, 0.5).endswith("/bench_0_5.sqlite3")
    postgres = "postgres://postgres@127.0.0.1:5432/entente_bench?sslmode=disable"
    assert databases.small_database_url(postgres, 10.0) == (
        "postgres://postgres@127.0.0.1:5432/entente_bench_10?sslmode=disable"
    )


def test_only_selects_cases_and_names_the_unknown_ones():
    all_cases = [{"name": name} for name in CASES]
    assert [c["name"] for c in bench.select_cases(all_cases, "page_1, html_list")] == [
        "html_list",
        "page_1",
    ]
    assert bench.select_cases(all_cases, "") == all_cases
    with pytest.raises(SystemExit, match="page_2"):
        bench.select_cases(all_cases, "page_1,page_2")


def test_the_servers_differ_in_the_response_cache_only():
    cold = bench.server_environment("sqlite:////tmp/bench.sqlite3", "off")
    warm = bench.server_environment("sqlite:////tmp/bench.sqlite3", "on")
    assert {k for k in cold if cold[k] != warm.get(k)} == {"RESPONSE_CACHE"}
    assert "REDIS_URL" not in warm
    redis = bench.server_environment("postgres://h/db", "on", "redis://127.0.0.1:6379/13")
    assert (redis["REDIS_URL"], redis["CACHE_KEY_PREFIX"]) == (
        "redis://127.0.0.1:6379/13",
        "entente-bench",
    )
    assert databases.redis_url_for({}, postgres=False) == ""
    assert databases.redis_url_for({}, postgres=True) == databases.DEFAULT_REDIS_URL
    assert databases.redis_url_for({"REDIS_URL": "redis://r:6379/2"}, postgres=False) == (
        "redis://r:6379/2"
    )


def test_the_figures_compared_come_from_runs_that_alternate(monkeypatch):
    """Cold, small scale and Datasette take turns, so that a slow minute hits all three."""
    calls = []

    def fake_wrk(url, duration):
        calls.append((url, duration))
        # Each URL's runs give 100, 200, 300 req/s (plus an offset per URL): the median
        # is its second run's, whatever the order.
        done = sum(1 for u, d in calls if u == url and d == duration)
        return figures(rps={"cold": 0, "small": 1000, "ds": 2000}[url] + 100.0 * done)

    monkeypatch.setattr(servers, "wrk", fake_wrk)
    cold, small, ds = servers.measure_interleaved(["cold", "small", "ds"], 5, 3)
    # Each round starts one further on: no URL always runs right after the same other.
    assert calls == [(url, servers.WARMUP_S) for url in ("cold", "small", "ds")] + [
        (url, 5) for url in ("cold", "small", "ds", "small", "ds", "cold", "ds", "cold", "small")
    ]
    assert (cold["rps"], small["rps"], ds["rps"]) == (200.0, 1200.0, 2200.0)


def test_the_views_cases_are_bound_by_their_p95_alone():
    views = [
        report.view_entry(
            {"name": "graph_of_an_event", "url": "/g/", "queries": 4}, figures(p95=150.0)
        ),
        report.view_entry(
            {"name": "map_for_dates", "url": "/m/", "queries": 1}, figures(p95=250.0)
        ),
    ]
    results = report.build_results(100, "postgresql", [], views=views)
    targets = by_name(results)
    assert targets["graph_of_an_event: cold p95"]["met"] is True
    assert targets["map_for_dates: cold p95"]["met"] is False
    assert targets["map_for_dates: cold p95"]["target"] == "≤ 200 ms"
    text = tables.format_table(results)
    assert "map_for_dates: cold p95: 250.0 ms (≤ 200 ms)" in text
    assert "| map_for_dates | 10.0 | 250.0 | 400 | 1 |" in tables.format_markdown(results)


def test_only_may_name_a_view_case_alongside_the_read_cases():
    reads = [{"name": name} for name in CASES]
    views = [{"name": "map_for_dates"}, {"name": "graph_of_an_event"}]
    assert bench.select_cases(reads, "page_1,map_for_dates", also=views) == [{"name": "page_1"}]
    assert bench.select_cases(views, "page_1,map_for_dates", also=reads) == [
        {"name": "map_for_dates"}
    ]
    with pytest.raises(SystemExit, match="mapp"):
        bench.select_cases(views, "mapp", also=reads)

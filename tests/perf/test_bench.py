"""The benchmark's pure parts (tests/perf/report.py, bench.py), so it does not rot between runs."""

from tests.perf import bench, report

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/api/v1/organisations/
  2 threads and 4 connections
WRK_JSON {"p50_us": 4200, "p95_us": 9100, "requests": 5000, "duration_us": 10000000, \
"errors": 0, "non2xx": 2}
"""


def endpoint(name, **figures):
    entry = {
        "name": name,
        "p50_ms": 10.0,
        "p95_ms": 20.0,
        "rps": 400.0,
        "queries": 3,
        "floor_sql_p50_ms": 0.5,
        "floor_http_p50_ms": 6.0,
        "datasette_p50_ms": None,
        "datasette_rps": None,
    }
    entry.update(figures)
    return entry


def test_parse_wrk():
    figures = report.parse_wrk(WRK_OUTPUT)
    assert figures == {"p50_ms": 4.2, "p95_ms": 9.1, "rps": 500.0, "errors": 2}


def test_median_of_runs():
    runs = [{"p50_ms": p, "p95_ms": p * 2, "rps": 100 / p, "errors": 0} for p in (1, 3, 2)]
    assert report.median_of_runs(runs) == {"p50_ms": 2, "p95_ms": 4, "rps": 50, "errors": 0}


def test_results_document_and_targets():
    endpoints = [
        endpoint("organisations_by_region", datasette_rps=150.0, datasette_p50_ms=8.0),
        endpoint("page_1", p95_ms=20.0),
        endpoint("deep_page", p95_ms=23.0),
        endpoint("search", p95_ms=40.0),
        endpoint("html_list", p50_ms=25.0),
    ]
    results = report.build_results(100, "sqlite", endpoints, worker_rss_mb=120.0)
    assert {"scale", "database", "endpoints"} <= set(results)
    required = {
        "name",
        "p50_ms",
        "p95_ms",
        "rps",
        "queries",
        "floor_sql_p50_ms",
        "floor_http_p50_ms",
        "datasette_p50_ms",
        "datasette_rps",
    }
    assert all(required <= set(e) for e in results["endpoints"])
    by_target = {t["target"]: t for t in results["targets"]}
    assert by_target["Organisations list: p50 ≤ 2× the HTTP floor"]["met"] is True  # 10 / 6
    assert by_target["Organisations list: throughput ≥ 2× Datasette's"]["met"] is True
    assert by_target["Deep page: p95 ≤ 1.2× page 1's"]["met"] is True  # 23 / 20
    assert by_target["Search: p95 ≤ 50 ms"]["met"] is True
    assert by_target["HTML list page ≤ 2× its JSON (p50)"]["met"] is False  # 25 / 10
    assert by_target["Worker memory < 300 MB"]["met"] is True
    assert "Targets:" in report.format_table(results)


def test_postgres_results_leave_datasette_null():
    results = report.build_results(1, "postgresql", [endpoint("organisations_by_region")])
    by_target = {t["target"]: t for t in results["targets"]}
    assert by_target["Organisations list: throughput ≥ 2× Datasette's"]["met"] is None
    assert results["endpoints"][0]["datasette_rps"] is None
    assert "—" in report.format_table(results)


def test_the_development_database_is_refused(tmp_path):
    import pytest

    with pytest.raises(SystemExit):
        bench.bench_database_url({"DATABASE_URL": f"sqlite:///{bench.DEV_SQLITE}"})
    assert bench.bench_database_url({}).endswith("bench.sqlite3")

-- wrk's summary as one JSON line, for tests/perf/bench.py to parse.
-- Latencies are in microseconds; "non2xx" is wrk's count of 4xx/5xx answers.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"p50_us": %d, "p95_us": %d, "requests": %d, "duration_us": %d, ' ..
    '"errors": %d, "non2xx": %d}\n',
    latency:percentile(50), latency:percentile(95), summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status))
end

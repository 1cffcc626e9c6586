-- The one summary line both load scripts print (tools/bench_serve.sh runs wrk from the repository root).
done = function(summary, latency, requests)
  io.write(string.format("requests %d  non-2xx %d  errors %d  p50 %.1f ms  p99 %.1f ms  %.1f req/s\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end

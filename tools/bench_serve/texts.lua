-- wrk: each request embeds one short prompt through /v1/embeddings (a different prompt each time).
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"model":"' .. (os.getenv("MODEL") or "ViT-B-32") .. '","input":"a photo of a dog number ' .. counter .. '"}'
  return wrk.format("POST", "/v1/embeddings", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d  non-2xx %d  errors %d  p50 %.1f ms  p99 %.1f ms  %.1f req/s\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end

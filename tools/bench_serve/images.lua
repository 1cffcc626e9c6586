-- wrk: each request embeds one photo through /v1/embeddings with "modality": "image"; the JSON bodies are
-- prepared by tools/bench_serve.sh (BODIES: a folder of *.json files, one photo each, cycled).
local bodies = {}
init = function(args)
  local folder = os.getenv("BODIES")
  local list = io.popen('ls "' .. folder .. '"')
  for name in list:lines() do
    local f = io.open(folder .. "/" .. name, "rb")
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
  list:close()
end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/v1/embeddings", {["Content-Type"] = "application/json"}, bodies[counter % #bodies + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d  non-2xx %d  errors %d  p50 %.1f ms  p99 %.1f ms  %.1f req/s\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end

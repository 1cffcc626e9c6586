-- wrk: each request embeds one 7-token prompt ("a photo of a <noun>", as `clip bench`'s text case) through
-- /v1/embeddings, cycling through nouns that are one BPE token each.
local nouns = {"dog", "cat", "car", "tree", "house", "bird", "boat", "horse", "chair", "beach", "river", "flower"}
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"model":"' .. (os.getenv("MODEL") or "ViT-B-32") .. '","input":"a photo of a ' .. nouns[counter % #nouns + 1] .. '"}'
  return wrk.format("POST", "/v1/embeddings", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d  non-2xx %d  errors %d  p50 %.1f ms  p99 %.1f ms  %.1f req/s\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end

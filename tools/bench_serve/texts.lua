-- wrk: each request embeds one 7-token prompt ("a photo of a <noun>", as `clip bench`'s text case) through
-- /v1/embeddings, cycling through nouns that are one BPE token each.
local nouns = {"dog", "cat", "car", "tree", "house", "bird", "boat", "horse", "chair", "beach", "river", "flower"}
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"model":"' .. (os.getenv("MODEL") or "ViT-B-32") .. '","input":"a photo of a ' .. nouns[counter % #nouns + 1] .. '"}'
  return wrk.format("POST", "/v1/embeddings", {["Content-Type"] = "application/json"}, body)
end
dofile("tools/bench_serve/report.lua")

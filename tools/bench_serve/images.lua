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
dofile("tools/bench_serve/report.lua")

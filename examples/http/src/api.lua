-- A small JSON API on the `http` module.
local http = require("http")
local time = require("time")

local M = {}

-- GET /api/hello?name=Ada → {"greeting": "Hello, Ada!"}
function M.hello()
  local name = http.request():query("name") or "World"
  http.response():write_json({greeting = "Hello, " .. name .. "!"})
end

-- POST /api/sum {"numbers": [1, 2, 3]} → {"sum": 6}
function M.sum()
  local req, res = http.request(), http.response()
  local body, err = req:body_json()
  if err or type(body) ~= "table" or type(body.numbers) ~= "table" then
    res:set_status(http.STATUS.BAD_REQUEST)
    res:write_json({error = "send {\"numbers\": [...]}"})
    return
  end
  local total = 0
  for _, n in ipairs(body.numbers) do total = total + n end
  res:write_json({sum = total, count = #body.numbers})
end

-- GET /api/items/{id}: a returned table is the JSON response.
function M.item()
  local id = http.request():param("id")
  if not tonumber(id) then
    local res = http.response()
    res:set_status(http.STATUS.NOT_FOUND)
    res:write_json({error = "no item " .. id})
    return
  end
  return {id = tonumber(id), name = "item " .. id}
end

-- GET /api/ticks: three server-sent events, 100 ms apart.
function M.ticks()
  local res = http.response()
  for i = 1, 3 do
    res:write_event({name = "tick", data = {n = i}})
    time.sleep("100ms")
  end
end

return M

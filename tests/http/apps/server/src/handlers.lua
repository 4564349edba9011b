-- Lua handlers of the HTTP acceptance app.
local http = require("http")
local json = require("json")
local time = require("time")
local funcs = require("funcs")
local security = require("security")

local M = {}

function M.hello()
  local res = http.response()
  res:write_json({message = "hello", method = http.request():method()})
end

function M.echo()
  local req = http.request()
  local data, err = req:body_json()
  local res = http.response()
  if err then
    res:set_status(http.STATUS.BAD_REQUEST)
    res:write_json({error = err:message()})
    return
  end
  res:set_status(http.STATUS.CREATED)
  res:write_json({received = data, content_type = req:content_type(), length = req:content_length()})
end

function M.user()
  local req = http.request()
  return {id = req:param("id"), post = req:param("post"), method = req:method(), params = req:params()}
end

function M.rest()
  return "rest=" .. http.request():param("path")
end

function M.boom()
  error("kaboom")
end

function M.sse()
  local res = http.response()
  for i = 1, 3 do
    res:write_event({name = "tick", data = {n = i}})
  end
  res:write_event({name = "note", data = "two\nlines"})
end

function M.chunked()
  local res = http.response()
  res:set_transfer(http.TRANSFER.CHUNKED)
  res:write("part1,")
  res:flush()
  res:write("part2")
end

function M.nothing() end

function M.value()
  return {a = 1, list = {1, 2, 3}}
end

function M.created()
  http.response():set_status(201)
end

function M.slow()
  local ms = tonumber(http.request():query("ms") or "500")
  time.sleep(ms * time.MILLISECOND)
  return "done after " .. ms .. "ms"
end

function M.upload()
  local req = http.request()
  local r = req:stream()
  local total, pieces = 0, 0
  while true do
    local chunk, err = r:read(1000)
    if err then return nil, err end
    if not chunk then break end
    total = total + #chunk
    pieces = pieces + 1
  end
  return {bytes = total, pieces_ok = pieces >= 1}
end

-- The request context belongs to the endpoint's function only.
function M.peek()
  local req, err = http.request()
  if err then return "no request: " .. err:message() end
  return "saw " .. req:path()
end

function M.nested()
  local v, err = funcs.call("http:peek")
  if err then return nil, err end
  return v
end

function M.whoami()
  local actor = security.actor()
  return {actor = actor and actor:id() or "none", post = http.request():param("post")}
end

-- http.request{max_body = n} bounds what body() reads.
function M.limited()
  local body, err = http.request({max_body = 100}):body()
  if err then return nil, err end
  return #body
end

function M.query()
  local req = http.request()
  return {q = req:query_params(), one = req:query("a"), missing = req:query("zzz"), agent = req:header("User-Agent")}
end

function M.call_greet()
  local v, err = funcs.call("http:greet", "Lua")
  if err then return nil, err end
  return v
end

return M

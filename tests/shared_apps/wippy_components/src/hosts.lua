-- Lua implementations of the fixtures' host interfaces (see js-reference/*-host.js in the
-- fixture folder), bound to the components' imports through `host:`.
--
-- Every entry runs in its own pooled Lua states, so state shared by several host functions
-- (the counter resource's values, the log lines) cannot live in a Lua table: it lives in a
-- `store` process whose pid the test passes down in the call context (ctx "store"). Each host
-- function messages the store and waits for its reply.
local M = {}

-- test:minimal/host add(a: u32, b: u32) -> u32
function M.minimal_add(a, b)
  return (a + b) & 0xffffffff
end

-- test:strings/host concat(a: string, b: string) -> string
function M.concat(a, b)
  return a .. b
end

local function ask(topic, payload)
  local store, err = ctx.get("store")
  if not store then error("no store process in the context: " .. tostring(err)) end
  local inbox = process.inbox()
  assert(process.send(store, topic, payload))
  local msg = inbox:receive()
  assert(msg:topic() == "reply:" .. topic, "unexpected reply " .. tostring(msg:topic()))
  return msg:payload():data()
end

-- log(msg: string) in test:strings/host and wisma:calculator/host
function M.log(msg)
  ask("log", msg)
end

-- wisma:calculator/host compute(a: u32, b: u32) -> u32 (a * b, as calc-host.js); counted
function M.compute(a, b)
  ask("compute", { a, b })
  return (a * b) & 0xffffffff
end

-- test:counter/host resource counter: the handle is an integer the store chooses.
function M.counter_new()
  return ask("new")
end
function M.counter_increment(h)
  assert(math.type(h) == "integer", "handle is an integer, got " .. tostring(h))
  local ok = ask("increment", h)
  if ok ~= true then error("increment: unknown counter handle " .. tostring(h)) end
end
function M.counter_get(h)
  local v = ask("get", h)
  if v == nil or v == false then error("get: unknown counter handle " .. tostring(h)) end
  return v
end
function M.counter_drop(h)
  local ok = ask("drop", h)
  if ok ~= true then error("drop: unknown counter handle " .. tostring(h)) end
end

-- The store process: answers every message with "reply:<topic>"; "stop" ends it.
function M.store()
  local inbox = process.inbox()
  local counters, next_handle = {}, 1000
  local logs, computes = {}, {}
  local created, dropped, live = 0, 0, 0
  while true do
    local msg = inbox:receive()
    local topic, data = msg:topic(), msg:payload():data()
    local reply
    if topic == "stop" then
      return { created = created, dropped = dropped, live = live }
    elseif topic == "log" then
      logs[#logs + 1] = data
      reply = true
    elseif topic == "compute" then
      computes[#computes + 1] = data
      reply = true
    elseif topic == "new" then
      next_handle = next_handle + 7
      counters[next_handle] = 0
      created, live = created + 1, live + 1
      reply = next_handle
    elseif topic == "increment" then
      if counters[data] then counters[data] = counters[data] + 1; reply = true else reply = false end
    elseif topic == "get" then
      reply = counters[data] or false
    elseif topic == "drop" then
      if counters[data] then
        counters[data] = nil
        dropped, live = dropped + 1, live - 1
        reply = true
      else
        reply = false
      end
    elseif topic == "stats" then
      reply = { created = created, dropped = dropped, live = live, logs = logs, computes = computes }
      logs, computes = {}, {}
    else
      reply = "unknown topic " .. topic
    end
    process.send(msg:from(), "reply:" .. topic, reply)
  end
end

return M

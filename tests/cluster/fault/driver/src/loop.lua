local M = {}
local CLEAN = { Unavailable = true, Timeout = true, NotFound = true }
local DEADLINE_MS = 500

local function ms_since(t0) return time.now():sub(t0) / 1e6 end

function M.loop(max_s, slack_ms)
  local events = process.events()
  local t0 = time.now()
  local r = { calls = 0, ok = 0, clean = 0, bad = {}, late = 0, max_ms = 0,
              spawned = 0, exits = 0, exits_unavailable = 0, duplicate_exits = 0, missing = {} }
  local watched, nwatched = {}, 0
  local function take_exit(ev)
    if watched[ev.from] then
      watched[ev.from] = nil
      nwatched = nwatched - 1
      r.exits = r.exits + 1
      local err = ev.result.error
      if err and err:kind() == "Unavailable" then r.exits_unavailable = r.exits_unavailable + 1 end
    else
      r.duplicate_exits = r.duplicate_exits + 1
    end
  end
  local function drain()
    while true do
      local s = channel.select({ events:case_receive(), default = true })
      if s.default then return end
      take_exit(s.value)
    end
  end
  local f = funcs.new():with_options({ timeout = DEADLINE_MS .. "ms" })
  local i = 0
  while ms_since(t0) < max_s * 1000 do
    i = i + 1
    if nwatched < 2 then
      local pid, err = process.spawn_monitored("f:waiter", "f:host")
      if pid then
        watched[pid] = true
        nwatched = nwatched + 1
        r.spawned = r.spawned + 1
      elseif not CLEAN[err:kind()] then
        r.bad[#r.bad + 1] = "spawn: " .. tostring(err)
      end
    end
    local c0 = time.now()
    local v, e = f:call("f:work", i)
    local ms = ms_since(c0)
    r.calls = r.calls + 1
    if ms > r.max_ms then r.max_ms = ms end
    if ms > DEADLINE_MS + slack_ms then r.late = r.late + 1 end
    if v ~= nil then
      if v == i * 2 then r.ok = r.ok + 1 else r.bad[#r.bad + 1] = "wrong result " .. tostring(v) end
    elseif e and CLEAN[e:kind()] then
      r.clean = r.clean + 1
    else
      r.bad[#r.bad + 1] = "call: " .. tostring(e)
    end
    drain()
    if funcs.call("stop:now") == true then break end
  end
  -- The processes still alive on the last incarnation are told to stop: their EXITs must come.
  for pid in pairs(watched) do process.send(pid, "stop") end
  local until_t = time.now()
  while nwatched > 0 and ms_since(until_t) < 5000 do
    local s = channel.select({ events:case_receive(), time.after("250ms"):case_receive() })
    if s.channel == events then take_exit(s.value) end
  end
  for pid in pairs(watched) do r.missing[#r.missing + 1] = pid end
  r.seconds = ms_since(t0) / 1000
  return r
end

return M

local M = {}

local function wait_exit(events, pid)
  local r = channel.select({ events:case_receive(), time.after("5s"):case_receive() })
  assert(r.channel == events, "EXIT arrived within 5 s")
  assert(r.value.kind == process.event.EXIT and r.value.from == pid, "EXIT of " .. pid)
  return r.value.result
end

-- Sends n "double" requests to pid and checks each reply (from pid, 2*i).
local function round_trips(pid, n)
  local inbox = process.inbox()
  for i = 1, n do
    assert(process.send(pid, "double", i))
    local r = channel.select({ inbox:case_receive(), time.after("3s"):case_receive() })
    assert(r.channel == inbox, "reply " .. i .. " within 3 s")
    local msg = r.value
    assert(msg:topic() == "doubled", "topic " .. tostring(msg:topic()))
    assert(msg:from() == pid, "reply from the actor's pid, got " .. tostring(msg:from()))
    assert(msg:payload():data() == 2 * i, "reply " .. i .. " = " .. tostring(msg:payload():data()))
  end
end

-- 100 requests, 100 replies, then a stop message: the actor returns how many it served.
local function hundred_then_stop(entry)
  local events = process.events()
  local pid = assert(process.spawn_monitored(entry, "actor:host", 60000))
  round_trips(pid, 100)
  assert(process.send(pid, "stop"))
  local res = wait_exit(events, pid)
  assert(res.error == nil, tostring(res.error))
  assert(res.value == 100, "served " .. tostring(res.value))
  return true
end

function M.hundred()
  return hundred_then_stop("actor:doubler")
end

-- Spawns entry with serve(idle_ms), does n round trips, waits for its end: result, elapsed ms.
local function serve_until_exit(entry, idle_ms, n)
  local events = process.events()
  local t0 = time.now()
  local pid = assert(process.spawn_monitored(entry, "actor:host", idle_ms))
  round_trips(pid, n)
  local res = wait_exit(events, pid)
  return res, time.now():sub(t0) / time.MILLISECOND
end

-- receive(timeout-ms) returns none when nothing arrives: the actor ends on its own.
function M.idle_exit()
  local res, ms = serve_until_exit("actor:doubler", 50, 3)
  assert(res.error == nil and res.value == 3, "served 3 then idled out")
  assert(ms < 3000, "idled out after " .. ms .. " ms")
  return true
end

-- A receive waiting past limits.max_execution_ms ends the process with Timeout (not a hang).
function M.deadline()
  local res, ms = serve_until_exit("actor:doubler_limited", 60000, 2)
  assert(res.error and res.error:kind() == errors.TIMEOUT, "Timeout, got " .. tostring(res.error))
  assert(ms < 2000, "ended near its 300 ms limit, not after " .. ms .. " ms")
  return true
end

-- On the isolated worker class the actor's waits still suspend fibers: it serves as before.
function M.isolated()
  return hundred_then_stop("actor:doubler_isolated")
end

function M.unknown_topic()
  local events = process.events()
  local inbox = process.inbox()
  local pid = assert(process.spawn_monitored("actor:doubler", "actor:host", 60000))
  assert(process.send(pid, "what", { a = 1 }))
  local r = channel.select({ inbox:case_receive(), time.after("3s"):case_receive() })
  assert(r.channel == inbox)
  assert(r.value:topic() == "error")
  assert(r.value:payload():data():find("unknown topic what", 1, true), r.value:payload():data())
  assert(process.send(pid, "stop"))
  assert(wait_exit(events, pid).value == 0)
  return true
end

-- As a plain function call the component has no process: receive traps with a clear error.
function M.not_a_process()
  local v, err = funcs.call("actor:serve_fn", 10)
  assert(v == nil and err, "fails")
  assert(tostring(err):find("not a process", 1, true), tostring(err))
  return true
end

return M

-- Remote processes (docs/cluster.md §3, §4, §6): spawn on a host only node B has, messages
-- both ways, EXIT events across nodes, and EXIT with Unavailable when node B is lost.
local M = {}

local function wait_exit(events, pid, within)
  local r = channel.select({ events:case_receive(), time.after(within or "5s"):case_receive() })
  assert(r.channel == events, "EXIT of " .. pid .. " arrived in time")
  assert(r.value.kind == process.event.EXIT, r.value.kind)
  assert(r.value.from == pid, "from " .. tostring(r.value.from) .. ", expected " .. pid)
  return r.value.result
end

function M.spawn()
  local events = process.events()
  assert(process.pid():find("@", 1, true), "a clustered node's PIDs name it: " .. process.pid())
  local pid, err = process.spawn_monitored("b:adder", "b:host", 6, 7)
  assert(pid, tostring(err))
  assert(pid:find("^{b1@b:host|"), "the PID names node b1 and its host: " .. pid)
  local res = wait_exit(events, pid)
  assert(res.value == 13 and res.error == nil, "EXIT value from node B: " .. tostring(res.value))

  local cpid = assert(process.spawn_monitored("b:crasher", "b:host"))
  local cres = wait_exit(events, cpid)
  assert(cres.error and cres.error:message():find("crashed on node B", 1, true), tostring(cres.error))

  -- unmonitored spawn works too; a host no node has, or a process id B lacks: NotFound
  assert(process.spawn("b:adder", "b:host", 1, 2))
  for _, case in ipairs({ { "b:adder", "nowhere:host", "on no node" }, { "b:nope", "b:host", "b:nope" } }) do
    local pid2, e = process.spawn(case[1], case[2], 1, 2)
    assert(pid2 == nil and e and e:kind() == errors.NOT_FOUND, case[1] .. " on " .. case[2] .. ": " .. tostring(e))
    assert(tostring(e):find(case[3], 1, true), tostring(e))
  end
  return true
end

function M.messages()
  local inbox = process.inbox()
  local events = process.events()
  local pid = assert(process.spawn_monitored("b:echo", "b:host"))
  for i = 1, 5 do
    assert(process.send(pid, "work", i))
  end
  -- ordered per sender → receiver pair, replies come back to this node's PID
  for i = 1, 5 do
    local r = channel.select({ inbox:case_receive(), time.after("5s"):case_receive() })
    assert(r.channel == inbox, "reply " .. i .. " arrived")
    local msg = r.value
    assert(msg:topic() == "reply" and msg:payload():data().n == i * 2, "reply " .. i .. " in order")
    assert(msg:from() == pid and msg:payload():data().by == pid)
  end
  process.send(pid, "stop")
  assert(wait_exit(events, pid).value == "stopped")
  -- a PID of a node that is not in the cluster: Unavailable, not silence
  local _, e = process.send("{ghost@x:host|1}", "hello", 1)
  assert(e and e:kind() == errors.UNAVAILABLE, tostring(e))
  return true
end

-- Called by run.sh, which kills node B meanwhile: the EXIT of the remote process arrives with
-- an Unavailable error within the loss window. Returns the error kind and when it came.
function M.watch_remote(n)
  local events = process.events()
  local pids = {}
  for i = 1, (n or 3) do pids[i] = assert(process.spawn_monitored("b:waiter", "b:host")) end
  local t0 = time.now()
  local got = {}
  for _ = 1, #pids do
    local r = channel.select({ events:case_receive(), time.after("20s"):case_receive() })
    if r.channel ~= events then break end
    got[#got + 1] = { from = r.value.from, kind = r.value.result.error and r.value.result.error:kind() }
  end
  return { spawned = #pids, exits = got, ms = time.now():sub(t0) / 1e6 }
end

return M

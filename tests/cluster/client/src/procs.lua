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

-- The next event within `within`, or nil.
local function next_event(events, within)
  local r = channel.select({ events:case_receive(), time.after(within or "5s"):case_receive() })
  if r.channel ~= events then return nil end
  return r.value
end

local function next_message(inbox, topic, within)
  local r = channel.select({ inbox:case_receive(), time.after(within or "5s"):case_receive() })
  assert(r.channel == inbox, "message " .. topic .. " arrived in time")
  assert(r.value:topic() == topic, "expected " .. topic .. ", got " .. r.value:topic())
  return r.value:payload():data()
end

-- process.link of an existing remote PID: its failure is a LINK_DOWN here (trap_links), its
-- normal exit unlinks silently, and an unlinked peer's failure is not reported.
function M.links()
  local events = process.events()
  assert(process.set_options({ trap_links = true }))
  local pid = assert(process.spawn("b:crash_on_message", "b:host"))
  assert(process.link(pid))
  assert(process.send(pid, "crash"))
  local ev = assert(next_event(events), "LINK_DOWN of " .. pid)
  assert(ev.kind == process.event.LINK_DOWN and ev.from == pid, ev.kind .. " from " .. tostring(ev.from))
  assert(ev.result.error and tostring(ev.result.error):find("crashed on request", 1, true), tostring(ev.result.error))

  local quiet = assert(process.spawn("b:crash_on_message", "b:host"))
  assert(process.link(quiet))
  assert(process.send(quiet, "stop"))  -- a normal exit: no LINK_DOWN
  local unlinked = assert(process.spawn("b:crash_on_message", "b:host"))
  assert(process.link(unlinked))
  assert(process.unlink(unlinked))
  assert(process.send(unlinked, "crash"))
  local none = next_event(events, "700ms")
  assert(none == nil, "no event after a normal exit and an unlink, got " .. tostring(none and none.kind))

  -- a PID that is not running there: NotFound from its node
  local gone = assert(process.spawn("b:adder", "b:host", 1, 2))
  time.sleep("200ms")
  local ok, e = process.link(gone)
  assert(not ok and e and e:kind() == errors.NOT_FOUND, "link to an ended remote PID: " .. tostring(e))
  assert(process.set_options({ trap_links = false }))
  return true
end

-- spawn_linked on a remote host: a child that fails at once still gives its LINK_DOWN (it may
-- overtake the spawn reply); spawn_linked_monitored gives EXIT and LINK_DOWN.
function M.spawn_linked()
  local events = process.events()
  assert(process.set_options({ trap_links = true }))
  local pid = assert(process.spawn_linked("b:crasher", "b:host"))
  assert(pid:find("^{b1@b:host|"), pid)
  local ev = assert(next_event(events), "LINK_DOWN of " .. pid)
  assert(ev.kind == process.event.LINK_DOWN and ev.from == pid, ev.kind)
  assert(tostring(ev.result.error):find("crashed on node B", 1, true), tostring(ev.result.error))

  local both = assert(process.spawn_linked_monitored("b:crash_on_message", "b:host"))
  assert(process.send(both, "crash"))
  local kinds = {}
  for _ = 1, 2 do
    local e2 = assert(next_event(events), "events of " .. both)
    assert(e2.from == both)
    kinds[e2.kind] = true
  end
  assert(kinds[process.event.EXIT] and kinds[process.event.LINK_DOWN], "EXIT and LINK_DOWN")
  assert(process.set_options({ trap_links = false }))
  return true
end

-- Without trap_links a remote peer's failure ends this process (run as a local process whose
-- EXIT the test watches).
function M.linked_dies(target)
  assert(process.link(target))
  process.send(target, "crash")
  time.sleep("10s")
  return "survived"
end

function M.link_kills()
  local events = process.events()
  local pid = assert(process.spawn("b:crash_on_message", "b:host"))
  local mine = assert(process.spawn_monitored("client:linked_dies", "client:host", pid))
  local ev = assert(next_event(events), "EXIT of " .. mine)
  assert(ev.kind == process.event.EXIT and ev.from == mine)
  assert(ev.result.error and tostring(ev.result.error):find("linked process " .. pid .. " failed", 1, true),
    "the local process died with its remote peer: " .. tostring(ev.result.error) .. " / " .. tostring(ev.result.value))
  return true
end

-- The other direction: a local process linked to a remote one fails; the remote peer (trapping
-- links) gets LINK_DOWN from this node, and reports it here.
function M.doomed(target)
  assert(process.link(target))
  error("doomed on the client")
end

function M.remote_link_down()
  local inbox = process.inbox()
  local sentinel = assert(process.spawn("b:sentinel", "b:host", process.pid()))
  assert(next_message(inbox, "ready") == sentinel)
  local mine = assert(process.spawn("client:doomed", "client:host", sentinel))
  local down = next_message(inbox, "down")
  assert(down.kind == process.event.LINK_DOWN and down.from == mine, tostring(down.kind) .. " from " .. tostring(down.from))
  assert(down.error:find("doomed on the client", 1, true), down.error)
  return true
end

-- process.monitor / unmonitor of an existing remote PID, terminate and cancel of remote PIDs.
function M.monitor_terminate_cancel()
  local events = process.events()
  local pid = assert(process.spawn("b:crash_on_message", "b:host"))
  assert(process.monitor(pid))
  assert(process.send(pid, "stop"))
  local ev = assert(next_event(events), "EXIT of " .. pid)
  assert(ev.kind == process.event.EXIT and ev.from == pid and ev.result.value == "stopped", tostring(ev.result.value))

  local quiet = assert(process.spawn("b:crash_on_message", "b:host"))
  assert(process.monitor(quiet))
  assert(process.unmonitor(quiet))
  assert(process.send(quiet, "stop"))
  assert(next_event(events, "700ms") == nil, "no EXIT after unmonitor")

  local victim = assert(process.spawn("b:crash_on_message", "b:host"))
  assert(process.monitor(victim))
  assert(process.terminate(victim))
  ev = assert(next_event(events), "EXIT of the terminated " .. victim)
  assert(ev.from == victim and ev.result.error and ev.result.error:kind() == errors.CANCELED, tostring(ev.result.error))

  local polite = assert(process.spawn("b:cancellable", "b:host"))
  assert(process.monitor(polite))
  assert(process.cancel(polite))
  ev = assert(next_event(events), "EXIT of the canceled " .. polite)
  assert(ev.from == polite and ev.result.value == "canceled", tostring(ev.result.value))

  local stubborn = assert(process.spawn("b:crash_on_message", "b:host"))
  assert(process.monitor(stubborn))
  assert(process.cancel(stubborn, "300ms"))
  ev = assert(next_event(events, "5s"), "EXIT of " .. stubborn .. " at its cancel deadline")
  assert(ev.from == stubborn and ev.result.error and tostring(ev.result.error):find("cancel deadline", 1, true), tostring(ev.result.error))

  local _, e = process.terminate("{b1@b:host|1}")
  assert(e and e:kind() == errors.NOT_FOUND, "terminate of a PID not running there: " .. tostring(e))
  local _, e2 = process.monitor("{ghost@x:host|1}")
  assert(e2 and e2:kind() == errors.UNAVAILABLE, "monitor on a node not in the cluster: " .. tostring(e2))
  return true
end

-- Called by run.sh, which kills node B meanwhile: links (trapped) and a monitor of existing
-- PIDs on B end with LINK_DOWN / EXIT carrying Unavailable within the loss window.
function M.ties_remote()
  local events = process.events()
  assert(process.set_options({ trap_links = true }))
  local linked, watched = {}, assert(process.spawn("b:waiter", "b:host"))
  for i = 1, 2 do
    linked[i] = assert(process.spawn("b:waiter", "b:host"))
    assert(process.link(linked[i]))
  end
  assert(process.monitor(watched))
  local child = assert(process.spawn_linked("b:waiter", "b:host"))
  -- a name held by a process on B: released by the survivors when B is lost
  local name = "lost-" .. process.pid()
  assert(process.spawn("b:registrar", "b:host", process.pid(), name))
  local reg = process.inbox():receive():payload():data()
  assert(reg.ok, "b:registrar registered " .. name .. ": " .. tostring(reg.error))
  local got = {}
  for _ = 1, 4 do
    local ev = next_event(events, "20s")
    if not ev then break end
    got[#got + 1] = { kind = ev.kind, from = ev.from, error = ev.result.error and ev.result.error:kind() }
  end
  return { linked = linked, watched = watched, child = child, events = got, name = name }
end

-- process.registry in a cluster (docs/cluster.md §7): names are cluster-wide (one holder, any
-- node), resolve across nodes, and are released when the holder exits or unregisters.
function M.names()
  local inbox = process.inbox()
  local events = process.events()
  local mine = "cl-" .. process.pid()
  assert(process.registry.register(mine))
  assert(process.registry.register(mine), "registering a name twice for the same PID is fine")
  assert(process.registry.lookup(mine) == process.pid())
  local b = assert(process.spawn_monitored("b:registrar", "b:host", process.pid(), mine))
  local r = next_message(inbox, "registered")
  assert(not r.ok and r.kind == errors.ALREADY_EXISTS, "node B cannot take a name held here: " .. tostring(r.error))
  assert(process.send(b, "stop"))
  assert(next_event(events).from == b)

  local bname = "b-" .. process.pid()
  local holder = assert(process.spawn_monitored("b:registrar", "b:host", process.pid(), bname))
  r = next_message(inbox, "registered")
  assert(r.ok, "B registers a free name: " .. tostring(r.error))
  assert(process.registry.lookup(bname) == holder, "a name held on B resolves here")
  local taken, te = process.registry.register(bname)
  assert(not taken and te:kind() == errors.ALREADY_EXISTS, "held on B: " .. tostring(te))
  assert(process.send(bname, "stop"), "send by name to a process of another node")
  local ev = assert(next_event(events))
  assert(ev.from == holder and ev.result.value == "stopped", tostring(ev.result.value))
  local freed = false
  for _ = 1, 40 do
    if process.registry.lookup(bname) == nil then freed = true break end
    time.sleep("50ms")
  end
  assert(freed, "the name is released when its holder exits")
  assert(process.registry.register(bname), "and can be taken by another node's process")
  assert(process.registry.unregister(bname) and process.registry.unregister(mine))
  local none, ne = process.registry.lookup(mine)
  assert(none == nil and ne:kind() == errors.NOT_FOUND, tostring(ne))
  return true
end

function M.lookup_name(name)
  local pid, e = process.registry.lookup(name)
  return { pid = pid, kind = e and e:kind() }
end
return M

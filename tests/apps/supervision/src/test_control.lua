local M = {}

-- The next event on `events` from `pid` (others are skipped), within 5 s.
local function next_event(events, pid, kind)
  local deadline = time.after("5s")
  while true do
    local r = channel.select({ events:case_receive(), deadline:case_receive() })
    assert(r.channel == events, "no " .. kind .. " event from " .. pid .. " within 5s")
    if r.value.from == pid and r.value.kind == kind then return r.value end
  end
end

function M.links()
  local events = process.events()
  -- with trap_links the leader gets LINK_DOWN when its peer crashes, and returns normally
  local trapping = assert(process.spawn_monitored("sup:leader", "sup:host", true))
  local ex = next_event(events, trapping, process.event.EXIT)
  assert(ex.result.error == nil, tostring(ex.result.error))
  assert(ex.result.value.got == "link_down", "got " .. tostring(ex.result.value.got))
  assert(ex.result.value.message:find("crashed on purpose"), ex.result.value.message)

  -- without it the leader dies with its peer, with the peer's error
  local doomed = assert(process.spawn_monitored("sup:leader", "sup:host", false))
  local dx = next_event(events, doomed, process.event.EXIT)
  assert(dx.result.error, "the leader died with its peer")
  assert(dx.result.error:message():find("crashed on purpose"), dx.result.error:message())
  assert(dx.result.error:message():find("linked process"), dx.result.error:message())

  -- this test function links to a crasher by hand: LINK_DOWN arrives on its own events
  process.set_options({ trap_links = true })
  local c = assert(process.spawn("sup:crasher", "sup:host", "50ms"))
  assert(process.link(c))
  local ld = next_event(events, c, process.event.LINK_DOWN)
  assert(ld.result.error:message():find("crashed on purpose"))

  -- unlink: no LINK_DOWN; a normal exit never sends one
  local c2 = assert(process.spawn_monitored("sup:crasher", "sup:host", "50ms"))
  assert(process.link(c2))
  assert(process.unlink(c2))
  next_event(events, c2, process.event.EXIT)
  local stray = channel.select({ events:case_receive(), time.after("100ms"):case_receive() })
  assert(stray.channel ~= events, "no LINK_DOWN after unlink")

  -- monitor / unmonitor by hand
  local w = assert(process.spawn("sup:waiter", "sup:host"))
  assert(process.monitor(w))
  assert(process.terminate(w))
  local wx = next_event(events, w, process.event.EXIT)
  assert(wx.result.error and wx.result.error:kind() == errors.CANCELED, tostring(wx.result.error))
  local w2 = assert(process.spawn("sup:waiter", "sup:host"))
  assert(process.monitor(w2))
  assert(process.unmonitor(w2))
  assert(process.send(w2, "bye", 1))
  local quiet = channel.select({ events:case_receive(), time.after("100ms"):case_receive() })
  assert(quiet.channel ~= events, "no EXIT after unmonitor")

  local ok, e = process.set_options({ nope = 1 })
  assert(ok == false and e:message() == "option nope is not supported", tostring(e))
  local ok2, e2 = process.set_options({ trap_links = "yes" })
  assert(ok2 == false and e2:message() == "trap_links must be a boolean")
  return true
end

function M.cancel()
  local events = process.events()
  -- a process that handles CANCEL returns before the deadline
  local p = assert(process.spawn_monitored("sup:polite", "sup:host"))
  assert(process.cancel(p, "2s"))
  local px = next_event(events, p, process.event.EXIT)
  assert(px.result.value and px.result.value.got == "cancel", tostring(px.result.error))
  assert(px.result.value.from == process.pid(), "CANCEL from the caller")
  assert(type(px.result.value.deadline) == "string" and px.result.value.deadline:find("^%d%d%d%d%-%d%d%-%d%dT"),
    tostring(px.result.value.deadline))

  -- one that ignores it (asleep) is terminated at the deadline, not before
  local t0 = time.now()
  local s = assert(process.spawn_monitored("sup:sleeper", "sup:host"))
  assert(process.cancel(s, 300))
  local sx = next_event(events, s, process.event.EXIT)
  local took = time.now():sub(t0)
  assert(sx.result.error and sx.result.error:kind() == errors.CANCELED, tostring(sx.result.error))
  assert(sx.result.error:message():find("cancel deadline"), sx.result.error:message())
  assert(took >= 280 * time.MILLISECOND, "terminated at the deadline, took " .. took / time.MILLISECOND .. "ms")
  assert(took < 3 * time.SECOND, "terminated near the deadline")

  -- bad arguments, with the reference's texts
  local _, e1 = process.cancel(s, "soon")
  assert(e1 and e1:message():find("^invalid duration format"), tostring(e1))
  local _, e2 = process.cancel(s, {})
  assert(e2 and e2:message() == "deadline must be either a duration string or milliseconds number")
  local _, e3 = process.cancel("nobody_by_that_name")
  assert(e3 and e3:message() == "could not resolve: nobody_by_that_name", tostring(e3))
  return true
end

function M.terminate()
  local events = process.events()
  -- blocked in an inbox receive
  local w = assert(process.spawn_monitored("sup:waiter", "sup:host"))
  time.sleep("20ms")
  assert(process.terminate(w))
  local wx = next_event(events, w, process.event.EXIT)
  assert(wx.result.error and wx.result.error:message() == "process terminated", tostring(wx.result.error))

  -- asleep
  local s = assert(process.spawn_monitored("sup:sleeper", "sup:host"))
  time.sleep("20ms")
  assert(process.terminate(s))
  next_event(events, s, process.event.EXIT)

  -- Spinning in Lua code, then in WASM guest code: a fiber stays on the worker that started it
  -- and these never yield, so whoever stops them must run on another worker. The cancel
  -- deadline's timer fiber is spawned right after the process, and consecutive spawns go to
  -- different workers (round robin): it terminates the spinner from there.
  local function stop_spinner(id)
    local t0 = time.now()
    local p = assert(process.spawn_monitored(id, "sup:host"))
    assert(process.cancel(p, 100))
    local x = next_event(events, p, process.event.EXIT)
    assert(x.result.error and x.result.error:kind() == errors.CANCELED, tostring(x.result.error))
    assert(x.result.error:message():find("cancel deadline"), x.result.error:message())
    assert(time.now():sub(t0) < 3 * time.SECOND, id .. " stopped promptly")
  end
  stop_spinner("sup:busy")
  -- no max_execution_ms: only the terminate can stop the guest
  stop_spinner("sup:spin_wasm")
  -- the host and the module carry on: a fresh instance runs (and is stopped) again
  stop_spinner("sup:spin_wasm")

  local _, e = process.terminate(w)
  assert(e and e:kind() == errors.NOT_FOUND, "a finished process cannot be terminated: " .. tostring(e))
  return true
end

-- A process.wasm on the wasm worker class (pool.worker_class: wasm, one thread): terminate and a
-- cancel deadline reach the guest on the class thread (regression: only the default workers'
-- guests were interrupted; the class thread spun on and the EXIT never came).
function M.terminate_isolated()
  local events = process.events()
  local function class_is_free()
    local t0 = time.now()
    local r, err = funcs.call("sup:add_isolated", 40, 2)
    assert(r == 42, "the class thread serves the next call: " .. tostring(err))
    assert(time.now():sub(t0) < time.SECOND, "and at once")
  end
  class_is_free()
  for round = 1, 2 do
    -- terminate: the caller runs on a main worker, the guest spins on the class thread
    local t0 = time.now()
    local p = assert(process.spawn_monitored("sup:spin_wasm_isolated", "sup:host"))
    time.sleep("50ms")
    assert(process.terminate(p))
    local x = next_event(events, p, process.event.EXIT)
    assert(x.result.error and x.result.error:kind() == errors.CANCELED, tostring(x.result.error))
    assert(x.result.error:message() == "process terminated", x.result.error:message())
    assert(time.now():sub(t0) < 3 * time.SECOND, "terminated promptly (round " .. round .. ")")
    class_is_free()

    -- cancel with a deadline: the CANCEL event goes unread, the deadline terminates it
    t0 = time.now()
    p = assert(process.spawn_monitored("sup:spin_wasm_isolated", "sup:host"))
    assert(process.cancel(p, "150ms"))
    x = next_event(events, p, process.event.EXIT)
    local took = time.now():sub(t0)
    assert(x.result.error and x.result.error:kind() == errors.CANCELED, tostring(x.result.error))
    assert(x.result.error:message():find("cancel deadline"), x.result.error:message())
    assert(took >= 140 * time.MILLISECOND, "stopped at the deadline, took " .. took / time.MILLISECOND .. "ms")
    assert(took < 3 * time.SECOND, "stopped near the deadline")
    class_is_free()
  end
  return true
end

function M.registry()
  local events = process.events()
  local p = assert(process.spawn_monitored("sup:named", "sup:host", "reg_worker"))
  local pid
  for _ = 1, 100 do
    pid = process.registry.lookup("reg_worker")
    if pid then break end
    time.sleep("5ms")
  end
  assert(pid == p, "lookup gives the registered pid")
  -- send by name
  assert(process.send("reg_worker", "hello", 42))
  local x = next_event(events, p, process.event.EXIT)
  assert(x.result.value == 42)
  -- freed when the process exits
  local gone, e = process.registry.lookup("reg_worker")
  assert(gone == nil and e:kind() == errors.NOT_FOUND and e:message() == "name not registered", tostring(e))
  local _, se = process.send("reg_worker", "hello", 1)
  assert(se and se:message() == "could not resolve: reg_worker", tostring(se))

  -- own name; taken names; unregister
  assert(process.registry.register("reg_self"))
  assert(process.registry.lookup("reg_self") == process.pid())
  local w = assert(process.spawn("sup:waiter", "sup:host"))
  local _, te = process.registry.register("reg_self", w)
  assert(te and te:kind() == errors.ALREADY_EXISTS, tostring(te))
  assert(process.registry.unregister("reg_self") == true)
  assert(process.registry.unregister("reg_self") == false)
  assert(process.registry.register("reg_self", w), "foreign pid allowed without a scope")
  assert(process.registry.lookup("reg_self") == w)
  process.terminate(w)
  local _, ge = process.registry.register("reg_global", nil, process.registry.CONSISTENT)
  assert(ge and ge:message() == "global registry not available", tostring(ge))
  return true
end

function M.topics()
  local inbox = process.inbox()
  local p = assert(process.spawn("sup:topics", "sup:host"))
  time.sleep("30ms")
  assert(process.send(p, "jobs", 1))
  assert(process.send(p, "other", 2))
  assert(process.send(p, "jobs", 3))
  time.sleep("30ms")
  assert(process.send(p, "control", "stop"))
  local msg = inbox:receive()
  assert(msg:topic() == "done")
  -- select takes ready channels in case order, so only the order within a channel is fixed
  local got = msg:payload():data()
  assert(got:find("job:1,.*job:3") and got:find("inbox:other") and got:find(",control:control:stop$"), got)
  local _, e = process.listen("@system")
  assert(e and e:message() == "cannot listen to @ topics")
  local _, e2 = process.listen("")
  assert(e2 and e2:message() == "topic cannot be empty")
  return true
end

function M.hosts()
  local events = process.events()
  local a = assert(process.spawn_monitored("sup:waiter", "sup:small"))
  local b = assert(process.spawn_monitored("sup:waiter", "sup:small"))  -- queued
  local _, full = process.spawn("sup:waiter", "sup:small")
  assert(full and full:kind() == errors.UNAVAILABLE, tostring(full))
  assert(full:message():find("is full"), full:message())
  -- the queued one starts when the first ends
  assert(process.send(a, "go", 1))
  next_event(events, a, process.event.EXIT)
  assert(process.send(b, "go", 2))
  local bx = next_event(events, b, process.event.EXIT)
  assert(bx.result.value ~= nil, "the queued process ran")
  -- a host without lifecycle.auto_start does not run
  local _, idle = process.spawn("sup:waiter", "sup:idle")
  assert(idle and idle:message():find("not running"), tostring(idle))
  local _, e = process.spawn("sup:waiter")
  assert(e and e:message() == "spawn requires at least id and host arguments", tostring(e))
  return true
end

function M.spawner()
  local events = process.events()
  local sp = process.with_context({ request_id = "req-7" })
  local p = assert(sp:spawn_monitored("sup:context_reader", "sup:host"))
  local x = next_event(events, p, process.event.EXIT)
  assert(x.result.value == "req-7", tostring(x.result.value))
  -- chainable, immutable; with_name registers the child
  local named = process.with_options({ ["custom.policy"] = "strict" }):with_name("spawned_by_name")
  local w = assert(named:spawn_linked_monitored("sup:waiter", "sup:host"))
  assert(process.registry.lookup("spawned_by_name") == w)
  process.set_options({ trap_links = true })
  assert(process.terminate(w))
  local wx = next_event(events, w, process.event.EXIT)
  assert(wx.result.error)
  return true
end

return M

-- Checks of remote calls, run on a client node against nodes B and C (tests/cluster/run.sh).
local M = {}

local function expect_error(v, e, kind, what)
  assert(v == nil and e, what .. ": expected an error, got " .. tostring(v))
  assert(e:kind() == kind, what .. ": expected " .. kind .. ", got " .. tostring(e:kind()) .. ": " .. tostring(e))
end

function M.remote_lua()
  assert(funcs.call("client:local_fn") == "local", "local entries stay local")
  local v = funcs.call("svc:public_echo", { n = 1, f = 1.5, g = 2.0, s = "text", list = { 1, 2, 3 }, nested = { deep = { true } } })
  assert(v.n == 1 and math.type(v.n) == "integer", "int stays int")
  assert(v.f == 1.5 and math.type(v.f) == "float", "float stays float")
  assert(v.g == 2 and math.type(v.g) == "float", "an integral float stays float")
  assert(v.s == "text" and #v.list == 3 and v.list[3] == 3 and v.nested.deep[1] == true)
  assert(funcs.call("svc:public_echo", nil) == nil)
  return true
end

function M.remote_wasm()
  assert(funcs.call("b:add", 2, 3) == 5, "Lua → a WASM entry on node B")
  assert(funcs.call("b:ping") == "pong")
  return true
end

-- A WASM component calls, through the funcs host, entries this node does not have.
function M.wasm_to_remote()
  local v, e = funcs.call("client:wasm_via_string", "svc:public_echo", "from wasm")
  assert(v == "from wasm", "component → svc:public_echo on node B or C: " .. tostring(v) .. " " .. tostring(e))
  local j, e2 = funcs.call("client:wasm_via_json", "b:add", "[20, 22]")
  assert(j == "42", "component → b:add (a WASM entry) on node B: " .. tostring(j) .. " " .. tostring(e2))
  -- an id no node serves: the component gets the remote NotFound as its error string
  local n, e3 = funcs.call("client:wasm_via_string", "nobody:serves", "x")
  local text = tostring(n) .. " " .. tostring(e3)
  assert(text:find("not served by any node", 1, true), "remote NotFound reaches the component: " .. text)
  return true
end

function M.async()
  local futures = {}
  for i = 1, 10 do futures[i] = funcs.async("svc:public_echo", i) end
  for i = 1, 10 do
    local payload, ok = futures[i]:response():receive()
    assert(ok, "future " .. i .. " delivered: " .. tostring(futures[i]:error()))
    assert(payload:data() == i)
  end
  -- an id nobody serves: the future fails NotFound
  local f = funcs.async("nobody:async")
  local _, ok = f:channel():receive()
  assert(not ok)
  local err = f:error()
  assert(err:kind() == errors.NOT_FOUND, tostring(err))
  return true
end

function M.balance()
  local seen = { b = 0, c = 0 }
  for _ = 1, 60 do
    local who, e = funcs.call("svc:whoami")
    assert(who, tostring(e))
    seen[who] = seen[who] + 1
  end
  assert(seen.b > 0 and seen.c > 0, "both nodes serve svc:whoami: b=" .. seen.b .. " c=" .. seen.c)
  return true
end

function M.travel()
  local as_user = funcs.new()
    :with_actor(security.new_actor("user:42", { role = "tester" }))
    :with_scope(security.new_scope({ "shared:calls" }))
    :with_context({ trace = "t-123" })
  local got, e = as_user:call("svc:probe", "x")  -- served by node B only
  assert(got, tostring(e))
  assert(got.arg == "x")
  assert(got.actor == "user:42", "actor travels: " .. tostring(got.actor))
  assert(got.role == "tester", "actor meta travels")
  assert(got.trace == "t-123", "context values travel: " .. tostring(got.trace))
  assert(got.scope ~= nil, "the scope travels")
  -- without an actor the callee sees none
  local plain = funcs.call("svc:probe", "y")
  assert(plain.actor == nil and plain.trace == nil)
  return true
end

function M.denied()
  local as_user = funcs.new()
    :with_actor(security.new_actor("user:42", {}))
    :with_scope(security.new_scope({ "shared:calls" }))
  -- allowed by the caller's policy, refused by the callee's
  local v, e = as_user:call("svc:guarded")
  expect_error(v, e, errors.PERMISSION_DENIED, "svc:guarded under the callee's policy")
  assert(tostring(e):find("not allowed: svc:guarded", 1, true), tostring(e))
  assert(as_user:call("svc:public_echo", 7) == 7, "allowed on both sides")
  return true
end

function M.not_served()
  local t0 = time.now()
  local v, e = funcs.call("nobody:serves_this", 1)
  local ms = time.now():sub(t0) / 1e6
  expect_error(v, e, errors.NOT_FOUND, "an id no node serves")
  assert(tostring(e):find("not served by any node", 1, true), tostring(e))
  assert(ms < 1000, "no-responders answers at once, took " .. ms .. " ms")
  -- meta.cluster: local keeps an entry private to its node
  local v2, e2 = funcs.call("b:private")
  expect_error(v2, e2, errors.NOT_FOUND, "b:private")
  return true
end

function M.deadline()
  local t0 = time.now()
  local v, e = funcs.new():with_options({ timeout = "300ms" }):call("b:spin")
  local ms = time.now():sub(t0) / 1e6
  expect_error(v, e, errors.TIMEOUT, "b:spin with a 300ms timeout")
  assert(ms < 1500, "the caller's deadline holds: " .. ms .. " ms")
  -- Node B runs one worker: it answers again only if the deadline travelled and stopped the spin.
  local pong, e2 = funcs.new():with_options({ timeout = "3s" }):call("b:ping")
  assert(pong == "pong", "node B is free again (the callee honoured the deadline): " .. tostring(e2))
  return true
end

-- Regression (busy node looked absent): node B runs one worker; while it spins for 3 s, a
-- call queued behind the spin must still be acked at once and answered after it, not fail
-- Unavailable after the 2 s no-ack bound.
function M.busy_node_acks()
  local spin = funcs.new():with_options({ timeout = "3s" }):async("b:spin")
  time.sleep("200ms")
  local pong, e = funcs.new():with_options({ timeout = "8s" }):call("b:ping")
  assert(pong == "pong", "queued behind a busy worker: " .. tostring(e))
  local _, ok = spin:channel():receive()
  assert(not ok and spin:error():kind() == errors.TIMEOUT, tostring(spin:error()))
  return true
end

function M.error_kinds()
  -- time.sleep of a bad duration raises Invalid on node B; the kind crosses the wire
  local v, e = funcs.call("b:slow", "not a duration")
  assert(v == nil and e, "expected an error")
  assert(e:kind() == errors.INVALID, "kind kept: " .. tostring(e:kind()) .. ": " .. tostring(e))
  return true
end

-- Called by run.sh, which kills node B while the call is in flight: returns the error kind and
-- how long it took.
function M.slow_call(d, timeout)
  local t0 = time.now()
  local v, e = funcs.new():with_options({ timeout = timeout }):call("b:slow", d)
  local ms = time.now():sub(t0) / 1e6
  return { value = v, kind = e and e:kind(), message = e and tostring(e), ms = ms }
end

-- Runs while run.sh stops the NATS server and starts it again: remote calls fail cleanly and
-- quickly while it is down, local ones keep working, and remote ones work again afterwards.
function M.reconnect()
  local phase = "up"  -- up → down → up again
  local downs, max_fail_ms = 0, 0
  for _ = 1, 600 do
    assert(funcs.call("client:local_fn") == "local", "local calls work throughout")
    local t0 = time.now()
    local v, e = funcs.new():with_options({ timeout = "2s" }):call("b:ping")
    local ms = time.now():sub(t0) / 1e6
    if v == "pong" then
      if phase == "down" then
        return downs > 0
      end
    else
      assert(e:kind() == errors.UNAVAILABLE or e:kind() == errors.TIMEOUT or e:kind() == errors.NOT_FOUND,
        "a clean error: " .. tostring(e:kind()) .. ": " .. tostring(e))
      if ms > max_fail_ms then max_fail_ms = ms end
      phase = "down"
      downs = downs + 1
    end
    time.sleep("50ms")
  end
  error("the remote call never recovered (" .. downs .. " failures, phase " .. phase .. ")")
end

return M

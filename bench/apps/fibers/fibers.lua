local function nap(d) time.sleep(d) return true end
local function add(a, b) return a + b end

-- n concurrent funcs.async calls that each sleep d; returns wall time in ms.
local function concurrent_sleep(n, d)
  n = n or 1000
  d = d or "10ms"
  local t0 = time.now()
  local fs = {}
  for i = 1, n do fs[i] = funcs.async("bench:nap", d) end
  for i = 1, n do
    local _, ok = fs[i]:response():receive()
    assert(ok, "call " .. i .. " failed")
  end
  return { calls = n, sleep = d, wall_ms = time.now():sub(t0) / 1e6 }
end

-- per-call cost of a Lua -> Lua funcs.call, in ns
local function call_overhead(n)
  n = n or 100000
  local t0 = time.now()
  for i = 1, n do funcs.call("bench:add", i, 1) end
  local per_call = time.now():sub(t0) / n
  local t1 = time.now()
  for i = 1, n do add(i, 1) end
  local direct = time.now():sub(t1) / n
  return { calls = n, funcs_call_ns = per_call, plain_lua_call_ns = direct }
end

return { nap = nap, add = add, concurrent_sleep = concurrent_sleep, call_overhead = call_overhead }

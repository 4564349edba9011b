local function users(n)
  local u = {}
  for i = 1, n do u[i] = { id = i, name = "user" .. i, tags = { "a", "b", "c" }, active = i % 2 == 0 } end
  return u
end

local function per_call(n, f)
  for _ = 1, math.min(n, 100) do f() end  -- warm up
  local t0 = time.now()
  for _ = 1, n do f() end
  return time.now():sub(t0) / n
end

local M = {}

function M.calls(n, m)
  local us = users(100)
  return {
    core_add_ns = per_call(n, function() return funcs.call("bench:add_wat", 1, 2) end),
    compute_ns = per_call(n, function() return funcs.call("bench:compute", 6, 7) end),
    transform_100_users_ns = per_call(m, function()
      local r = funcs.call("bench:transform", us)
      assert(#r == 100)
    end),
  }
end

function M.transform_only(m)
  local us = users(100)
  for _ = 1, m do funcs.call("bench:transform", us) end
  return m
end

function M.sleepers(n, ms)
  local t0 = time.now()
  local fs = {}
  for i = 1, n do fs[i] = funcs.async("bench:sleep_ms", ms) end
  for i = 1, n do
    local p, ok = fs[i]:response():receive()
    assert(ok and p:data() >= ms * 1000000, tostring(fs[i]:error()))
  end
  return { calls = n, sleep_ms = ms, wall_ms = time.now():sub(t0) / 1e6 }
end

return M

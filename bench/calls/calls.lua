-- Per-call latencies, each measured beside a plain Lua function call in the same run
-- (bench/calls/run.sh prints the ratio against it).
local function add(a, b) return a + b end

local function per_call(n, f)
  for i = 1, math.min(n, 200) do f(i) end  -- warm-up: fills the pools, tier 2 in the cache
  local t0 = time.now()
  for i = 1, n do f(i) end
  return time.now():sub(t0) / n
end

local function latency(n)
  n = n or 200000
  local sum = 0
  -- The plain call keeps its result alive so the loop is not empty.
  local plain = per_call(n * 10, function(i) sum = sum + add(i, 1) end)
  return {
    plain_lua_call_ns = plain,
    wasm_add_mem_ns = per_call(n, function(i) sum = sum + funcs.call("bench:add_mem", i, 1) end),
    wasm_add_store_ns = per_call(n, function(i) sum = sum + funcs.call("bench:add_store", i, 1) end),
    lua_funcs_call_ns = per_call(n, function(i) sum = sum + funcs.call("bench:lua_add", i, 1) end),
    component_compute_ns = per_call(n // 10, function(i) sum = sum + funcs.call("bench:compute", i, 7) end),
    sum = sum,
  }
end

-- One kind of call n times (for profiling: perf record -g wirt call ... bench:loop bench:add_mem 1000000).
local function loop(id, n)
  local sum = 0
  for i = 1, n do sum = sum + funcs.call(id, i, 1) end
  return sum
end

return { add = add, latency = latency, loop = loop }

-- Lua -> WASM call latency: n calls of funcs.call(id, i, 1), timed with time.now().
-- Each WASM call runs on fresh guest state (a pooled instance, reset between calls).
local function loop(id, n)
  n = n or 100000
  local sum = 0
  -- warm-up (fills the instance pool) before timing
  for i = 1, 100 do sum = sum + funcs.call(id, i, 1) end
  local t0 = time.now()
  for i = 1, n do
    local r, err = funcs.call(id, i, 1)
    if err then error(err) end
    sum = sum + r
  end
  local ns = time.now():sub(t0) / n
  return { id = id, calls = n, ns_per_call = ns, sum = sum }
end

local function add(a, b) return a + b end

local function wasm_add(n) return loop("bench:add", n) end
local function wasm_add_inline(n) return loop("bench:add_inline", n) end
local function wasm_add_nomem(n) return loop("bench:add_nomem", n) end
local function lua_add(n) return loop("bench:lua_add", n) end

return { wasm_add = wasm_add, wasm_add_inline = wasm_add_inline, wasm_add_nomem = wasm_add_nomem, lua_add = lua_add, add = add }

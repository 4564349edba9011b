local function add(a, b) return a + b end

local function pair(a, b)
  local sum, err = funcs.call("app:add", a, b)
  if err then return nil, err end
  return { sum = sum, inputs = { a, b } }
end

local function fail_with_kind(kind, msg)
  return nil, errors.new({ kind = kind, message = msg, retryable = true, details = { code = 7 } })
end

local function raise(msg) error(msg) end

local function echo(...)
  if select('#', ...) == 1 then return (...) end
  return { ... }
end

local function echo_ctx(key) return ctx.get(key) end

local function nap(d)
  time.sleep(d)
  return d
end

return { echo = echo, add = add, pair = pair, fail_with_kind = fail_with_kind, raise = raise, echo_ctx = echo_ctx, nap = nap }

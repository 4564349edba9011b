local M = {}

local function reset() assert(env.set("MODS_COUNTER", "0")) end
local function count() return tonumber(env.get("MODS_COUNTER")) end
local function ms_since(t0) return time.now():sub(t0) / time.MILLISECOND end

function M.main()
  -- without options a failure is final
  reset()
  local v, err = funcs.call("mods:flaky", 3)
  assert(v == nil and err:kind() == errors.UNAVAILABLE and count() == 1)

  -- retried until it succeeds (third attempt), with the reference's option names
  reset()
  local ex = funcs.new():with_options({retry = {max_attempts = 5, initial_delay = 5, backoff_factor = 1, jitter = 0}})
  v, err = ex:call("mods:flaky", 3)
  assert(err == nil and v == "ok after 3", tostring(err))
  assert(count() == 3)

  -- max_attempts bounds the calls
  reset()
  v, err = funcs.new():with_options({retry = {max_attempts = 2, initial_delay = "5ms"}}):call("mods:flaky", 10)
  assert(v == nil and err:kind() == errors.UNAVAILABLE and count() == 2, tostring(count()))

  -- backoff: initial_delay × backoff_factor^k between attempts (20ms, then 40ms)
  reset()
  local t0 = time.now()
  v = funcs.new():with_options({retry = {max_attempts = 3, initial_delay = 10, backoff_factor = 2, jitter = 0}})
      :call("mods:flaky", 3)
  assert(v == "ok after 3" and ms_since(t0) >= 55, "waited " .. ms_since(t0))

  -- Invalid is not retried by default; retry_kinds / skip_kinds choose
  reset()
  v, err = funcs.new():with_options({retry = {max_attempts = 4, initial_delay = 1}}):call("mods:invalid_once")
  assert(err:kind() == errors.INVALID and count() == 1)
  reset()
  v, err = funcs.new():with_options({retry = {max_attempts = 3, initial_delay = 1, retry_kinds = {errors.INVALID}}})
      :call("mods:invalid_once")
  assert(err:kind() == errors.INVALID and count() == 3, tostring(count()))
  reset()
  v, err = funcs.new():with_options({retry = {max_attempts = 4, initial_delay = 1, skip_kinds = {errors.UNAVAILABLE}}})
      :call("mods:flaky", 3)
  assert(err:kind() == errors.UNAVAILABLE and count() == 1)

  -- timeout: the callee's deadline
  reset()
  t0 = time.now()
  v, err = funcs.new():with_options({timeout = "50ms"}):call("mods:sleepy", "5s")
  assert(v == nil and err:kind() == errors.TIMEOUT, tostring(err))
  assert(ms_since(t0) < 2000, "stopped near its timeout")

  -- timeout per attempt, retried: three attempts of 30ms each
  reset()
  t0 = time.now()
  v, err = funcs.new():with_options({timeout = "30ms", retry = {max_attempts = 3, initial_delay = 1, jitter = 0}})
      :call("mods:sleepy", "5s")
  assert(err:kind() == errors.TIMEOUT and count() == 3, tostring(count()))
  assert(ms_since(t0) >= 85 and ms_since(t0) < 3000)

  -- async calls apply the same options
  reset()
  local fut = funcs.new():with_options({retry = {max_attempts = 5, initial_delay = 1}}):async("mods:flaky", 2)
  local payload = fut:response():receive()
  assert(payload and payload:data() == "ok after 2")

  -- a malformed retry option is refused when the executor is built
  local bad, berr = funcs.new():with_options({retry = {max_attempts = "many"}})
  assert(bad == nil and berr:kind() == errors.INVALID and tostring(berr):find("retry.max_attempts"), tostring(berr))
  bad, berr = funcs.new():with_options({retry = 3})
  assert(bad == nil and tostring(berr):find("retry must be a table"))
  return true
end

return M

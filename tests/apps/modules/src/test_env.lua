local M = {}

local expect_error = require("expect").error

function M.main()
  -- by public name, by entry id, and by a bare name in the caller's namespace
  assert(env.get("GREETING") == "hello")
  assert(env.get("mods:greeting") == "hello")
  assert(env.get("greeting") == "hello")
  -- an empty value counts as unset: `default` applies (the Lua module's Get, not wasi.env)
  assert(env.get("EMPTY_ONE") == "fallback", tostring(env.get("EMPTY_ONE")))
  -- the OS storage reads the process environment through its declared variable only
  assert(type(env.get("HOME")) == "string")
  expect_error(errors.NOT_FOUND, "environment variable not found", env.get("PATH"))

  -- set, then read back (memory storage); a variable without a public name by its id
  assert(env.set("scratch", "v1") == true)
  assert(env.get("mods:scratch") == "v1")
  assert(env.set("MODS_COUNTER", "7"))
  assert(env.get("MODS_COUNTER") == "7")

  expect_error(errors.INVALID, "empty key", env.get(""))
  expect_error(errors.INVALID, "empty key", env.set("", "x"))
  expect_error(errors.NOT_FOUND, "environment variable not found", env.get("NO_SUCH_VARIABLE"))
  expect_error(errors.NOT_FOUND, "environment variable not found", env.set("NO_SUCH_VARIABLE", "x"))
  expect_error(errors.PERMISSION_DENIED, "environment variable is read-only", env.set("LOCKED", "x"))
  -- a static storage is read-only as a whole
  local ok, err = env.set("GREETING", "changed")
  assert(ok == nil and err:kind() == errors.PERMISSION_DENIED, tostring(err))
  assert(env.get("GREETING") == "hello")

  local all = env.get_all()
  assert(all.GREETING == "hello" and all.MODS_COUNTER == "7" and all["mods:scratch"] == "v1")
  assert(all.PATH == nil, "get_all lists declared variables only, not the whole OS environment")

  -- permission checks: a caller whose scope allows env.get on GREETING only
  local scoped = funcs.new():with_actor({id = "user:1"}):with_scope({"mods:may_read_greeting"})
  assert(scoped:call("mods:probe", "env.get", "GREETING") == "hello")
  local v, perr = scoped:call("mods:probe", "env.get", "MODS_COUNTER")
  expect_error(errors.PERMISSION_DENIED, "not allowed to access environment variable: MODS_COUNTER", v, perr)
  return true
end

return M

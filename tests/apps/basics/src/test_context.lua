local function main()
  -- no value set: NotFound
  local v, e = funcs.call("app:echo_ctx", "user")
  assert(v == nil and e:kind() == errors.NOT_FOUND, tostring(e))
  -- with_context passes values to the callee, and builders are immutable
  local base = funcs.new()
  local exec = base:with_context({ user = "ada", n = 3 })
  assert(exec:call("app:echo_ctx", "user") == "ada")
  assert(exec:call("app:echo_ctx", "n") == 3)
  local _, e2 = base:call("app:echo_ctx", "user")
  assert(e2 ~= nil, "base executor unchanged")
  -- values are inherited down nested calls and async calls
  local nested = exec:with_context({ extra = true })
  assert(nested:call("app:echo_ctx", "user") == "ada")
  local f = nested:async("app:echo_ctx", "extra")
  local p = f:response():receive()
  assert(p:data() == true)
  -- with_actor / with_scope / with_options validate their arguments
  assert(not pcall(function() return base:with_actor(nil) end))
  assert(base:with_actor({ id = "user:1" }) ~= nil)
  assert(base:with_scope({ "app:policy" }) ~= nil)
  assert(base:with_options({ retry = { max_attempts = 2 } }) ~= nil)
  -- our own context has nothing
  local _, own = ctx.get("user")
  assert(own and own:kind() == errors.NOT_FOUND)
  local _, empty = ctx.get("")
  assert(empty:kind() == errors.INVALID)
  return true
end
return { main = main }

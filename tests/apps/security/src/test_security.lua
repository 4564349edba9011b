local function main()
  -- no actor and no scope: permissive (strict mode off), as the reference
  assert(funcs.call("sec:probe", "call", "sec:secret") == "classified")
  assert(security.can("funcs.call", "sec:public_echo") == false, "can() is strict")

  local user = security.new_actor("user:1", { role = "user" })
  local scope = security.new_scope({ "sec:may_call_public", "sec:may_spawn_worker", "sec:never_secret" })
  assert(user:id() == "user:1" and scope:contains("sec:never_secret"))
  local as_user = funcs.new():with_actor(user):with_scope(scope)

  -- identity flows into the callee
  local who = as_user:call("sec:probe", "whoami")
  assert(who.id == "user:1" and #who.scope == 3, "actor and scope inherited")
  -- allowed by a prefix pattern
  assert(as_user:call("sec:probe", "call", "sec:public_echo") == "hi")
  assert(as_user:call("sec:probe", "can", "sec:public_echo") == true)
  -- undefined counts as denied; deny wins
  local _, e1 = as_user:call("sec:probe", "call", "sec:secret")
  assert(e1 and e1:kind() == errors.PERMISSION_DENIED and e1:message() == "not allowed: sec:secret", tostring(e1))
  assert(e1:retryable() == false)
  -- spawning is checked on the process id and the host
  local pid, e2 = as_user:call("sec:probe", "spawn", "sec:worker", "sec:host")
  assert(pid and e2 == nil, tostring(e2))
  local _, e3 = as_user:call("sec:probe", "spawn", "sec:other", "sec:host")
  assert(e3 and e3:kind() == errors.PERMISSION_DENIED, tostring(e3))

  -- conditions on actor meta; deny still wins over allow
  local admin = funcs.new():with_actor({ id = "root", meta = { role = "admin" } })
    :with_scope({ "sec:admins_call_anything", "sec:never_secret" })
  assert(admin:call("sec:probe", "spawn", "sec:other", "sec:host"), "admin may spawn anything")
  local _, e4 = admin:call("sec:probe", "call", "sec:secret")
  assert(e4 and e4:kind() == errors.PERMISSION_DENIED, "deny wins")
  assert(scope:evaluate(user, "funcs.call", "sec:public_x") == "allow")
  assert(scope:evaluate(user, "funcs.call", "sec:nothing") == "undefined")
  assert(scope:evaluate(user, "funcs.call", "sec:secret") == "deny")
  local _, e5 = security.new_scope({ "sec:no_such_policy" })
  assert(e5 and e5:kind() == errors.NOT_FOUND)
  return true
end
return { main = main }

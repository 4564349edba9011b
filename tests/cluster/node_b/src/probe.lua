-- What a remote callee sees of the context its caller sent.
return { probe = function(x)
  local a = security.actor()
  local s = security.scope()
  return {
    arg = x,
    actor = a and a:id(),
    role = a and a:meta() and a:meta().role,
    scope = s and s:policies(),
    trace = ctx.get("trace"),
  }
end }

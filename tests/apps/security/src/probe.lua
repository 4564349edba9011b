return { probe = function(what, target, host)
  if what == "call" then return funcs.call(target, "hi") end
  if what == "spawn" then return process.spawn(target, host) end
  if what == "whoami" then
    local a = security.actor()
    return { id = a and a:id(), scope = security.scope() and security.scope():policies() }
  end
  if what == "can" then return security.can("funcs.call", target) end
end }

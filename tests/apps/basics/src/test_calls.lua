local function main()
  assert(funcs.call("app:add", 6, 7) == 13, "add")
  assert(math.type(funcs.call("app:add", 6, 7)) == "integer", "integers stay integers")
  assert(funcs.call("app:add", 1.5, 2) == 3.5, "floats")
  local p, err = funcs.call("app:pair", 2, 3)
  assert(err == nil, tostring(err))
  assert(p.sum == 5 and p.inputs[1] == 2 and p.inputs[2] == 3, "table result")
  -- an unknown id is a NotFound error returned to Lua, not raised
  local v, e = funcs.call("app:does_not_exist", 1)
  assert(v == nil and e ~= nil, "unknown id fails")
  assert(e:kind() == errors.NOT_FOUND, "kind NotFound, got " .. tostring(e:kind()))
  -- target validation as the reference
  local _, e2 = funcs.call("")
  assert(e2:kind() == errors.INVALID and e2:message() == "function ID required", tostring(e2))
  local _, e3 = funcs.call("nonamespace")
  assert(e3:kind() == errors.INVALID, "target without namespace")
  -- a function value cannot cross
  local _, e4 = funcs.call("app:add", function() end, 1)
  assert(e4:kind() == errors.INVALID and e4:message():find("argument 1"), tostring(e4))
  return true
end
return { main = main }

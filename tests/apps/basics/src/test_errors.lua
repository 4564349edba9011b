local function main()
  -- errors returned by a callee keep kind, retryable and details
  local v, e = funcs.call("app:fail_with_kind", errors.CONFLICT, "busy")
  assert(v == nil and errors.is(e, errors.CONFLICT), "kind kept")
  assert(e:message() == "busy" and e:retryable() == true, "message/retryable kept")
  assert(e:details().code == 7, "details kept")
  assert(tostring(e) == "busy" and ("x: " .. e) == "x: busy", "tostring and concat")
  -- a raised Lua error becomes the call's error, with its position
  local _, e2 = funcs.call("app:raise", "boom")
  assert(e2 and e2:message():find("boom"), tostring(e2))
  assert(e2:kind() == "", "raised string has unknown kind")
  -- constructors
  local w = errors.wrap(errors.new({ kind = errors.TIMEOUT, message = "slow" }), "calling x")
  assert(w:kind() == "Timeout" and w:message() == "calling x: slow", w:message())
  assert(errors.new("plain"):kind() == errors.UNKNOWN)
  assert(errors.new("plain"):retryable() == nil)
  assert(type(errors.call_stack(w)) == "string")
  local ok = pcall(errors.new, { kind = "Invalid" })
  assert(not ok, "message is required")
  -- pcall around error objects
  local ok2, raised = pcall(error, errors.new({ kind = errors.INVALID, message = "bad" }))
  assert(not ok2 and raised:kind() == "Invalid")
  return true
end
return { main = main }

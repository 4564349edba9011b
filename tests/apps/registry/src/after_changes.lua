-- Runs after test_registry (tests run in id order) and sees what its changesets left: a call
-- that starts now resolves functions in the newest generation.
return {main = function()
  assert(registry.current_version():id() == 4, "version " .. registry.current_version():id())
  assert(#registry.versions() == 4)
  local made, err = funcs.new():call("reg:made", 7)
  assert(made == "made 7", tostring(err))
  local seven, werr = funcs.new():call("reg:made_wat")
  assert(seven == 7, tostring(seven) .. " " .. tostring(werr))
  local e, gerr = registry.get("reg:broken")
  assert(e == nil and gerr:kind() == errors.NOT_FOUND, "the rejected change left nothing")
  assert(registry.get("reg:gamma"), "the rollback restored gamma")
  return true
end}

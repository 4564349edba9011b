-- Runs one registry read under whatever identity it was called with; returns plain values so
-- they cross funcs.call (ids of what was seen, or the error's kind and message).
local M = {}

local ids = require("check").ids

function M.probe(what, arg)
  if what == "get" then
    local e, err = registry.get(arg)
    if not e then return nil, err end
    return e.id
  elseif what == "find" then
    local list, err = registry.find({kind = "registry.*"})
    if not list then return nil, err end
    return ids(list)
  elseif what == "snapshot.get" then
    local snap = registry.snapshot()
    local e, err = snap:get(arg)
    if not e then return nil, err end
    return e.id
  elseif what == "snapshot.entries" then
    return ids(registry.snapshot():entries())
  elseif what == "apply" then
    local v, err = registry.snapshot():changes():create({id = "reg:never", kind = "registry.entry"}):apply()
    if not v then return nil, err end
    return v:id()
  elseif what == "apply_version" then
    local ok, err = registry.apply_version(registry.current_version())
    if not ok then return nil, err end
    return ok
  end
  return nil, "unknown probe " .. tostring(what)
end

return M

-- Runs one env or fs operation under whatever identity it was called with.
local M = {}

function M.probe(what, arg)
  if what == "env.get" then
    return env.get(arg)
  elseif what == "fs.get" then
    local vol, err = fs.get(arg)
    if not vol then return nil, err end
    return tostring(vol)
  end
  return nil, "unknown probe " .. tostring(what)
end

return M

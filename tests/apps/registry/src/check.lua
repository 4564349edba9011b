-- Shared by the registry app's functions: sorted id lists and failure checks.
local M = {}

-- "a,b,c": the ids of a list of entries, sorted.
function M.ids(list)
  local out = {}
  for _, e in ipairs(list) do out[#out + 1] = e.id end
  table.sort(out)
  return table.concat(out, ",")
end

-- A failure `nil, err` of `kind` whose message contains `fragment`.
function M.fails(kind, fragment, v, err)
  assert(v == nil, "expected a failure, got " .. tostring(v))
  assert(err ~= nil and err:kind() == kind, "expected " .. kind .. ", got " .. tostring(err and err:kind()) .. ": " .. tostring(err))
  assert(tostring(err):find(fragment, 1, true), "message '" .. tostring(err) .. "' lacks '" .. fragment .. "'")
end

-- Raised errors (bad argument types) as their message.
function M.raises(fragment, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error to be raised")
  assert(tostring(err):find(fragment, 1, true), "raised '" .. tostring(err) .. "' lacks '" .. fragment .. "'")
end

return M

-- Shared by the modules app's tests: asserts a failure of a given kind whose message has a
-- fragment. Accepts both failure forms of the reference's modules (`nil, err` / `false, err`).
local M = {}

function M.error(kind, fragment, v, err)
  assert(not v, "expected a failure, got " .. tostring(v))
  assert(err ~= nil, "an error object")
  assert(err:kind() == kind, "kind " .. tostring(err:kind()) .. " ~= " .. kind .. ": " .. tostring(err))
  if fragment then
    assert(tostring(err):find(fragment, 1, true), "message '" .. tostring(err) .. "' lacks '" .. fragment .. "'")
  end
end

return M

local function add(a, b) return a + b end
local function pair(a, b)
  local sum, err = funcs.call("app:add", a, b)
  if err then return nil, err end
  return { sum = sum, inputs = { a, b } }
end
return { add = add, pair = pair }

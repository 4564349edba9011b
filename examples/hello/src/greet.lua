local function greet(name)
  if type(name) ~= "string" or name == "" then
    return nil, errors.new({ kind = errors.INVALID, message = "greet: name must be a non-empty string" })
  end
  return "Hello, " .. name .. "!"
end
return { greet = greet }

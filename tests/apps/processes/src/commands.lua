return {
  hello = function(name) return "Hello, " .. (name or "nobody") .. "!" end,
  code = function(n) return tonumber(n) end,
  fail = function() return nil, errors.new({ kind = errors.INVALID, message = "this command always fails" }) end,
}

local strutil = require("strutil")
local function main()
  -- the reference dialect: no io, debug, utf8, package search; limited os
  assert(io == nil and debug == nil, "no io/debug")
  assert(os.execute == nil and os.exit == nil and os.getenv == nil, "os limited")
  assert(type(os.time()) == "number" and type(os.clock()) == "number")
  assert(dofile == nil and loadfile == nil)
  -- unpack alias, loadstring, load (text only)
  assert(select("#", unpack({ 1, 2, 3 })) == 3)
  assert(load("return 1 + 1")() == 2)
  assert(loadstring("return 5")() == 5)
  local f, e = load(string.dump(function() return 1 end))
  assert(f == nil and e:find("binary"), "binary chunks refused: " .. tostring(e))
  -- require: imports and listed modules only
  assert(strutil.shout("hi") == "HI!")
  assert(require("json") == json)
  local ok, msg = pcall(require, "funcs")
  assert(not ok and msg:find("module 'funcs' not found"), msg)
  -- json
  local t = strutil.roundtrip({ a = { 1, 2, 3 }, b = "x", c = true })
  assert(t.a[3] == 3 and t.b == "x" and t.c == true)
  local bad, err = json.decode("{nope")
  assert(bad == nil and err:kind() == errors.INVALID)
  assert(json.encode({ 1, 2 }) == "[1,2]")
  return true
end
return { main = main }

-- Lua tests of the c-types component (tests/fixtures/components, semantics in CASES.md). The
-- whole case table of cases.json runs through the runner (js/src/runner.lua) in ctest
-- differential.components; these tests check what a table of JSON cases cannot: Lua types,
-- error objects, mapping errors, concurrency.
local M = {}

local function show(v)
  if type(v) ~= "table" then
    if type(v) == "string" then return string.format("%q", v) end
    return tostring(v)
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. show(v[k]) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function check(cond, msg)
  if not cond then error(msg, 2) end
end

local function expect(want, id, ...)
  local got, err = funcs.call(id, ...)
  if err ~= nil then error(string.format("%s: unexpected error: %s", id, tostring(err)), 2) end
  if not same(got, want) then error(string.format("%s: got %s, want %s", id, show(got), show(want)), 2) end
  return got
end

function M.values()
  -- integers come back as Lua integers, floats as floats
  local v = expect(-128, "c:inc-s8", 127)
  check(math.type(v) == "integer", "s8 result is an integer")
  v = expect(9007199254740994, "c:inc-s64", 9007199254740993)
  check(math.type(v) == "integer", "s64 keeps 2^53+1 exact")
  expect(math.mininteger, "c:inc-s64", math.maxinteger)
  expect(math.maxinteger, "c:inc-u64", math.maxinteger - 1)
  expect(8, "c:inc-u8", 7.0) -- an integral float is accepted
  v = expect(3.0, "c:f32-mul2", 1.5)
  check(math.type(v) == "float", "f32 result is a float")
  expect(0.30000000000000004, "c:f64-add", 0.1, 0.2)
  -- char: a one-character string or a code point; a string back
  expect("b", "c:char-next", "a")
  expect("b", "c:char-next", 97)
  expect("🎊", "c:char-next", "🎉")
  -- list<u8>: a byte string or an array of integers in, a byte string out
  expect("\3\2\1", "c:bytes-reverse", { 1, 2, 3 })
  expect("\0\255a", "c:bytes-reverse", "a\255\0")
  expect("", "c:bytes-reverse", {})
  -- records: kebab-case keys, a missing option field is none, extra keys ignored
  expect({ name = "box!", ["tag-count"] = 3, weight = 2.5, tags = { "c", "b", "a" } }, "c:item-bump",
    { name = "box", ["tag-count"] = 2, weight = 1.25, tags = { "a", "b", "c" }, colour = "ignored" })
  local r = expect({ name = "!", ["tag-count"] = 0, tags = {} }, "c:item-bump",
    { name = "", ["tag-count"] = 4294967295, tags = {} })
  check(r.weight == nil, "none weight is absent")
  expect({ "seven", 7 }, "c:tuple-swap", { 7, "seven" })
  -- variants, enums, flags
  expect({ circle = 3.0 }, "c:shape-scale", { circle = 1.5 }, 2)
  expect({ dot = true }, "c:shape-scale", "dot", 3)
  expect({ named = "abab" }, "c:shape-scale", { named = "ab" }, 1)
  expect("green", "c:color-next", "red")
  expect("blue", "c:color-next", 1)
  expect({ write = true, exec = true }, "c:perms-invert", { read = true })
  expect({ read = true, exec = true }, "c:perms-invert", { "write" })
  expect({}, "c:perms-invert", { "read", "write", "exec" })
  -- options
  expect(6, "c:opt-inc", 5)
  local none, err = funcs.call("c:opt-inc", nil)
  check(none == nil and err == nil, "opt-inc(nil) = nil, nil")
  -- 18 parameters (spilled), an exported interface, nothing
  expect(14.0, "c:sum-many", 1, -2, 3, -4, 5, -6, 7, -8, 0.5, 0.25, true, 12, -13, 14, 1.5, 2.75, 17, -18)
  expect(42, "c:calc.mul", 6, 7)
  local n, e2 = funcs.call("c:nothing")
  check(n == nil and e2 == nil, "nothing() = nil, nil")
  expect({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, "c:nested-transpose", { { 1, 2, 3 }, { 4, 5, 6 } })
  expect({ -1.0, 3.5, 3 }, "c:stats", { 3.5, -1, 2 })
  return true
end

function M.results()
  expect(3, "c:safe-div", 7, 2)
  local v, err = funcs.call("c:safe-div", 1, 0)
  check(v == nil and err ~= nil, "safe-div(1,0) = nil, err")
  check(err:kind() == "", "kind is empty")
  check(err:message() == "division by zero", "message: " .. show(err:message()))
  check(err:details() == "division by zero", "details: " .. show(err:details()))
  v, err = funcs.call("c:safe-div", -2147483648, -1)
  check(v == nil and err:message() == "overflow", "overflow")
  -- result<_, string>: ok has no payload
  expect(true, "c:check-positive", 5)
  v, err = funcs.call("c:check-positive", -3)
  check(v == nil and err:message() == "not positive: -3", "check-positive(-3)")
  -- result without payloads
  expect(true, "c:bare-result", true)
  v, err = funcs.call("c:bare-result", false)
  check(v == nil and err ~= nil and err:details() == nil, "bare-result(false): " .. tostring(err))
  -- a non-string E: message is its JSON, details the value
  v, err = funcs.call("c:result-flip", { ok = 5 })
  check(v == nil and err:message() == "5" and err:details() == 5 and math.type(err:details()) == "integer",
    "result-flip(ok 5): " .. tostring(err))
  expect("boom", "c:result-flip", { err = "boom" })
  -- nested results (in a record in a list) are {ok=}/{err=} both ways
  expect({ { id = 2, res = { err = 6 } }, { id = 3, res = { ok = "42" } } }, "c:outcomes-map",
    { { id = 1, res = { ok = "héllo" } }, { id = 2, res = { err = 42 } } })
  -- wrapping errors keeps the details
  local w = errors.wrap(err, "context")
  check(tostring(w):find("context", 1, true), "wrap")
  return true
end

function M.resources()
  -- own/borrow handles stay inside the guest: constructor, methods, resource.rep, drop + dtor
  expect({ 16, 4 }, "c:counter-run", 10, { 1, 2, 3 })
  expect({ 0, 1 }, "c:counter-run", 0, {})
  expect({ 0, 2 }, "c:counter-run", -5, { 5 })
  local steps = {}
  for i = 1, 200 do steps[i] = i end
  expect({ 20100, 201 }, "c:counter-run", 0, steps)
  -- every call sees fresh guest state: the destructor count starts again
  expect({ 1, 2 }, "c:counter-run", 0, { 1 })
  return true
end

local function expect_invalid(text, id, ...)
  local got, err = funcs.call(id, ...)
  if err == nil then error(string.format("%s: expected an Invalid error, got %s", id, show(got)), 2) end
  if err:kind() ~= errors.INVALID then
    error(string.format("%s: kind %s, want Invalid: %s", id, tostring(err:kind()), tostring(err)), 2)
  end
  if not tostring(err):find(text, 1, true) then
    error(string.format("%s: error %q does not contain %q", id, tostring(err), text), 2)
  end
end

function M.mapping_errors()
  -- argument count
  expect_invalid("expected 1 argument (x: u8), got 0", "c:inc-u8")
  expect_invalid("expected 1 argument (x: u8), got 2", "c:inc-u8", 1, 2)
  expect_invalid("expected 3 arguments", "c:points-shift", {}, 1)
  -- integer ranges
  expect_invalid("x: value 300 out of range for u8", "c:inc-u8", 300)
  expect_invalid("x: value -1 out of range for u8", "c:inc-u8", -1)
  expect_invalid("x: value 128 out of range for s8", "c:inc-s8", 128)
  expect_invalid("x: value 65536 out of range for u16", "c:inc-u16", 65536)
  expect_invalid("x: value 2147483648 out of range for s32", "c:inc-s32", 2 ^ 31)
  expect_invalid("x: value 2147483648 out of range for s32", "c:inc-s32", 2147483648)
  expect_invalid("x: value -2147483649 out of range for s32", "c:inc-s32", -2147483649)
  expect_invalid("x: value -1 out of range for u64", "c:inc-u64", -1)
  expect_invalid("is not an integer", "c:inc-s32", 0.5)
  expect_invalid("b[2]: value 256 out of range for u8", "c:bytes-reverse", { 1, 256 })
  expect_invalid("pts[2].y: value 2147483648 out of range for s32", "c:points-shift",
    { { x = 1, y = 2 }, { x = 1, y = 2147483648 } }, 0, 0)
  expect_invalid("a12: value 256 out of range for u8", "c:sum-many",
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, 256, 0, 0, 0, 0, 0, 0)
  -- a u64 result above 2^63-1 cannot be a Lua integer
  expect_invalid("above 2^63-1", "c:inc-u64", math.maxinteger)
  -- missing record field
  expect_invalid("i: missing field 'tag-count' of record item", "c:item-bump", { name = "x", tags = {} })
  expect_invalid("xs[1]: missing field 'res'", "c:outcomes-map", { { id = 1 } })
  -- unknown enum name / index
  expect_invalid("c: unknown case 'purple' for enum color", "c:color-next", "purple")
  expect_invalid("c: case index 3 out of range for enum color", "c:color-next", 3)
  -- bad variant case / payload
  expect_invalid("s: unknown case 'square' for variant shape", "c:shape-scale", { square = 1 }, 1)
  expect_invalid("s.rect: expected 2 elements for tuple<f32, f32>, got 1", "c:shape-scale", { rect = { 1 } }, 1)
  expect_invalid("s: case 'circle' of variant shape needs a payload", "c:shape-scale", "circle", 1)
  -- results as parameters, flags, tuples, chars
  expect_invalid("r: expected {ok = value} or {err = error}", "c:result-flip", { maybe = 1 })
  expect_invalid("r.ok: expected an integer for s32, got string", "c:result-flip", { ok = "x" })
  expect_invalid("xs[1].res.ok: expected a string for string", "c:outcomes-map", { { id = 1, res = { ok = 5 } } })
  expect_invalid("p: unknown flag 'run' for flags perms", "c:perms-invert", { "run" })
  expect_invalid("t: expected 2 elements for tuple<s32, string>, got 3", "c:tuple-swap", { 1, "a", 3 })
  expect_invalid("c: expected a single character for char", "c:char-next", "ab")
  expect_invalid("c: integer 55296 is not a Unicode scalar value", "c:char-next", 0xD800)
  expect_invalid("m[2][2]: expected an integer for s32, got string", "c:nested-transpose", { { 1 }, { 2, "x" } })
  -- non-UTF-8 strings
  expect_invalid("s: ", "c:str-reverse", "ab\xff")
  expect_invalid("UTF-8", "c:str-reverse", "\xed\xa0\x80") -- an encoded surrogate
  expect_invalid("i.tags[2]: ", "c:item-bump", { name = "x", ["tag-count"] = 1, tags = { "a", "\xc3" } })
  expect_invalid("UTF-8", "c:item-bump", { name = "x", ["tag-count"] = 1, tags = { "a", "\xc3" } })
  -- Lua values that have no WIT form
  expect_invalid("", "c:str-reverse", function() end)
  -- the entries still work
  expect(8, "c:inc-u8", 7)
  expect("olleh", "c:str-reverse", "hello")
  return true
end

function M.concurrency()
  -- many concurrent callers on a pooled entry and on an inline (one instance) entry
  for _, id in ipairs({ "c:item-bump", "c:item-bump.inline" }) do
    local futures = {}
    for i = 1, 40 do
      futures[i] = funcs.async(id, { name = "n" .. i, ["tag-count"] = i, tags = { tostring(i), "x" } })
    end
    for i = 1, 40 do
      local payload = futures[i]:response():receive()
      check(payload ~= nil, id .. ": call " .. i .. " failed: " .. tostring(futures[i]:error()))
      local r = payload:data()
      check(r.name == "n" .. i .. "!" and r["tag-count"] == i + 1 and same(r.tags, { "x", tostring(i) }),
        id .. ": call " .. i .. " = " .. show(r))
    end
  end
  return true
end

return M

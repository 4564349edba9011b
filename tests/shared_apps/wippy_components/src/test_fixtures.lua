-- Acceptance of the third-party component fixtures (INDEX.md of the fixture folder), called
-- from Lua through funcs.call in the Lua view of DESIGN §1.3.
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
  if type(a) ~= "table" then
    if type(a) == "number" and math.type(a) ~= math.type(b) and math.type(a) ~= nil then
      return a == b
    end
    return a == b
  end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

-- call(id, ...) must succeed with exactly `want` (deep, integers must be integers)
local function expect(want, id, ...)
  local got, err = funcs.call(id, ...)
  if err ~= nil then error(string.format("%s: unexpected error: %s", id, tostring(err)), 2) end
  if not same(got, want) then
    error(string.format("%s: got %s, want %s", id, show(got), show(want)), 2)
  end
  if math.type(want) == "integer" and math.type(got) ~= "integer" then
    error(string.format("%s: got %s (%s), want an integer", id, show(got), math.type(got)), 2)
  end
  return got
end

-- call(id, ...) must fail; returns the error
local function expect_error(id, ...)
  local got, err = funcs.call(id, ...)
  if err == nil then error(string.format("%s: expected an error, got %s", id, show(got)), 2) end
  return err
end

local function check(cond, msg)
  if not cond then error(msg, 2) end
end

-- ---- minimal.wasm ----
function M.minimal()
  expect(15, "wippy:compute", 5, 3)
  expect(42, "wippy:compute", 6, 7)
  expect(0, "wippy:compute", 0, 0)
  expect(1, "wippy:compute", 1, 1)
  expect(200, "wippy:compute", 10, 20)
  expect(10000, "wippy:compute", 100, 100)
  expect(65535, "wippy:compute", 0xFFFF, 1)
  expect(6, "wippy:compute", 2, 3)
  expect(0, "wippy:compute", 65536, 65536) -- wraps mod 2^32
  expect(42, "wippy:compute", 6.0, 7.0)    -- floats with integral values are integers
  expect(42, "wippy:compute_wasi_imports", 6, 7)
  return true
end

function M.minimal_pools()
  for _, pool in ipairs({ "inline", "lazy", "static", "adaptive" }) do
    local id = "wippy:compute_" .. pool
    for _ = 1, 3 do expect(42, id, 6, 7) end
    -- concurrent callers queue on the pool limit, none is rejected
    local futures = {}
    for i = 1, 6 do futures[i] = funcs.async(id, i, 10) end
    for i = 1, 6 do
      local payload, err = futures[i]:response():receive()
      check(payload ~= nil, id .. ": concurrent call " .. i .. " failed: " .. tostring(futures[i]:error()))
      check(payload:data() == 10 * i, id .. ": concurrent call " .. i .. " = " .. show(payload:data()))
    end
  end
  return true
end

function M.minimal_host()
  expect(15, "wippy:compute_using_host", 7, 8)
  expect(3, "wippy:compute_using_host", 1, 2)
  expect(0, "wippy:compute_using_host", 0xFFFFFFFF, 1) -- the Lua host wraps like a u32
  -- without host: the import is unresolved: the call fails naming it, the boot did not
  local err = expect_error("wippy:compute_using_host_unbound", 7, 8)
  local msg = tostring(err)
  check(err:kind() == errors.INTERNAL, "unbound host: kind " .. tostring(err:kind()))
  check(msg:find("unresolved import", 1, true), "unbound host: " .. msg)
  check(msg:find("test:minimal/host@0.1.0#add", 1, true), "unbound host names the import: " .. msg)
  -- and the entry stays usable
  local err2 = expect_error("wippy:compute_using_host_unbound", 1, 2)
  check(tostring(err2):find("unresolved import", 1, true), tostring(err2))
  return true
end

-- ---- complex.wasm ----
local rect = { ["top-left"] = { x = 0, y = 0 }, ["bottom-right"] = { x = 100, y = 50 } }

function M.complex_records()
  expect({ x = 10, y = 20 }, "wippy:echo_point", { x = 10, y = 20 })
  expect({ x = 7, y = 11 }, "wippy:echo_point", { x = 7, y = 11 })
  expect({ x = -7, y = 2147483647 }, "wippy:echo_point", { x = -7, y = 2147483647, extra = "ignored" })
  expect({ name = "Alice", age = 30 }, "wippy:echo_person", { name = "Alice", age = 30 })
  expect(rect, "wippy:echo_rectangle", rect)
  return true
end

function M.complex_enums_variants_flags()
  for i, c in ipairs({ "red", "green", "blue" }) do
    expect(c, "wippy:echo_color", c)
    expect(c, "wippy:echo_color", i - 1) -- the case index is accepted too
  end
  expect({ circle = 10 }, "wippy:echo_shape", { circle = 10 })
  expect({ square = 5 }, "wippy:echo_shape", { square = 5 })
  expect({ rect = rect }, "wippy:echo_shape", { rect = rect })
  expect({ none = true }, "wippy:echo_shape", { none = true })
  expect({ none = true }, "wippy:echo_shape", "none")
  -- the Go cases' bitmasks 0,1,2,3,4,7 as set tables
  local masks = {
    [0] = {}, [1] = { read = true }, [2] = { write = true }, [3] = { read = true, write = true },
    [4] = { execute = true }, [7] = { read = true, write = true, execute = true },
  }
  for _, bits in pairs(masks) do expect(bits, "wippy:echo_permissions", bits) end
  expect({ read = true, execute = true }, "wippy:echo_permissions", { "read", "execute" })
  expect({ read = true, execute = true }, "wippy:echo_permissions", { read = true, write = false, execute = true })
  return true
end

function M.complex_lists()
  expect({ 1, 2, 3, -4, 5 }, "wippy:echo_list_s32", { 1, 2, 3, -4, 5 })
  expect({}, "wippy:echo_list_s32", {})
  local big = {}
  for i = 0, 999 do big[#big + 1] = i end
  local got = expect(big, "wippy:echo_list_s32", big)
  check(#got == 1000 and got[1000] == 999, "1000 elements")
  expect({ "hello", "world", "foo", "bar" }, "wippy:echo_list_string", { "hello", "world", "foo", "bar" })
  expect({ { x = 1, y = 2 }, { x = 3, y = 4 }, { x = -5, y = 6 } }, "wippy:echo_list_point",
    { { x = 1, y = 2 }, { x = 3, y = 4 }, { x = -5, y = 6 } })
  local people = { { name = "Alice", age = 25 }, { name = "Bob", age = 15 }, { name = "Charlie", age = 30 },
    { name = "Diana", age = 17 } }
  expect({ { name = "Alice", age = 25 }, { name = "Charlie", age = 30 } }, "wippy:filter_adults", people)
  local rows = expect({ { name = "Alice", age = 25 }, { name = "Charlie", age = 30 } }, "wippy:filter_adults",
    { { name = "Alice", age = 25 }, { name = "Bob", age = 15 }, { name = "Charlie", age = 30 } })
  check(#rows == 2, "2 rows")
  people[#people + 1] = { name = "Eve", age = 18 }
  expect({ { name = "Alice", age = 25 }, { name = "Charlie", age = 30 }, { name = "Eve", age = 18 } },
    "wippy:filter_adults", people)
  expect({}, "wippy:filter_adults", {})
  expect(0, "wippy:sum_list", {})
  expect(42, "wippy:sum_list", { 42 })
  expect(15, "wippy:sum_list", { 1, 2, 3, 4, 5 })
  expect(2147483648, "wippy:sum_list", { 2147483647, 1 }) -- s64 result
  expect(10, "wippy:sum_list", { 1, 2, 3, 4 })
  expect({ 2, 4, 6, 8, 10 }, "wippy:double_list", { 1, 2, 3, 4, 5 })
  return true
end

function M.complex_options_results_tuples()
  expect({ x = 42, y = 24 }, "wippy:maybe_point", true)
  local none, err = funcs.call("wippy:maybe_point", false)
  check(none == nil and err == nil, "maybe-point(false) = nil, nil: " .. show(none) .. " " .. tostring(err))
  expect("hello", "wippy:maybe_string", true)
  none, err = funcs.call("wippy:maybe_string", false)
  check(none == nil and err == nil, "maybe-string(false) = nil, nil")

  -- top-level result<s32, error-info>: value, nil / nil, err
  expect(5, "wippy:try_divide", 10, 2)
  expect(3, "wippy:try_divide", 7, 2)
  expect(-3, "wippy:try_divide", -9, 3)
  local v, e = funcs.call("wippy:try_divide", 10, 0)
  check(v == nil and e ~= nil, "try-divide(10,0) = nil, err")
  check(e:kind() == "", "err:kind() is empty: " .. show(e:kind()))
  check(e:message() == "division by zero", "err:message(): " .. show(e:message()))
  local d = e:details()
  check(type(d) == "table" and d.code == 1 and d.message == "division by zero", "err:details(): " .. show(d))
  check(math.type(d.code) == "integer", "code is an integer")

  expect(42, "wippy:try_parse", "42")
  expect(-7, "wippy:try_parse", "-7")
  for _, s in ipairs({ "not-a-number", "" }) do
    v, e = funcs.call("wippy:try_parse", s)
    check(v == nil and e ~= nil, "try-parse(" .. s .. ") fails")
    check(e:message() == "cannot parse: " .. s, "try-parse message: " .. show(e:message()))
    check(e:details() == "cannot parse: " .. s, "try-parse details: " .. show(e:details()))
  end

  expect({ 2, 1 }, "wippy:swap_pair", 1, 2)
  expect({ 5, 10, 15 }, "wippy:triple", 5)
  return true
end

-- ---- mapper.wasm ----
function M.mapper()
  local users = {
    { id = 1, name = "Alice", tags = { "admin", "dev" }, active = true },
    { id = 2, name = "Bob", tags = { "user" }, active = false },
  }
  expect({
    { id = 1, display = "Alice [admin, dev]", ["tag-count"] = 2 },
    { id = 2, display = "Bob [user]", ["tag-count"] = 1 },
  }, "wippy:transform_users", users)
  expect({ { id = 1, display = "Alice [admin, dev]", ["tag-count"] = 2 } }, "wippy:filter_active", users)
  expect({ "admin", "dev", "user" }, "wippy:aggregate_tags", users)
  expect({ { id = 42, display = "Test [a, b]", ["tag-count"] = 2 } }, "wippy:transform_users",
    { { id = 42, name = "Test", tags = { "a", "b" }, active = true } })
  -- {} is the empty list here (the reference fails to encode it)
  expect({ { id = 42, display = "Test []", ["tag-count"] = 0 } }, "wippy:transform_users",
    { { id = 42, name = "Test", tags = {}, active = true } })
  expect({}, "wippy:transform_users", {})
  local many = {}
  for i = 0, 999 do many[#many + 1] = { id = i, name = "u" .. i, tags = { "a", "b", "c" }, active = i % 2 == 0 } end
  local rows = funcs.call("wippy:transform_users", many)
  check(type(rows) == "table" and #rows == 1000, "1000 rows")
  check(rows[1000].id == 999 and rows[1000]["tag-count"] == 3 and rows[1000].display == "u999 [a, b, c]",
    "row 999: " .. show(rows[1000]))
  local users3 = { users[1], users[2], { id = 3, name = "Carol", tags = { "dev" }, active = true } }
  expect({
    { id = 1, display = "Alice [admin, dev]", ["tag-count"] = 2 },
    { id = 3, display = "Carol [dev]", ["tag-count"] = 1 },
  }, "wippy:filter_active", users3)
  expect({ "admin", "dev", "user" }, "wippy:aggregate_tags", users3)
  return true
end

-- ---- host-backed fixtures: a store process keeps the host state ----
local function with_store(fn)
  local pid, err = process.spawn_monitored("wippy:store", "wippy:host")
  check(pid, "spawn the store: " .. tostring(err))
  local exec = funcs.new():with_context({ store = pid })
  local function stats()
    local inbox = process.inbox()
    assert(process.send(pid, "stats"))
    local msg = inbox:receive()
    return msg:payload():data()
  end
  local ok, res = pcall(fn, exec, stats)
  process.send(pid, "stop")
  if not ok then error(res, 0) end
  return res
end

local function ecall(exec, want, id, ...)
  local got, err = exec:call(id, ...)
  if err ~= nil then error(string.format("%s: unexpected error: %s", id, tostring(err)), 2) end
  if not same(got, want) then error(string.format("%s: got %s, want %s", id, show(got), show(want)), 2) end
  return got
end

local function list_of(t)
  if t == nil then return {} end
  return t
end

function M.strings()
  expect("hello", "wippy:strings_echo", "hello")
  expect("Hello 世界 🎉", "wippy:strings_echo", "Hello 世界 🎉")
  expect("", "wippy:strings_echo", "")
  return with_store(function(exec, stats)
    ecall(exec, "test!", "wippy:strings_process", "test")
    local s = stats()
    check(same(list_of(s.logs), { "test" }), "process(test) logs: " .. show(s.logs))
    ecall(exec, "abc!", "wippy:strings_process", "abc")
    check(same(list_of(stats().logs), { "abc" }), "process(abc) logs")
    ecall(exec, "!", "wippy:strings_process", "")
    check(same(list_of(stats().logs), { "" }), "process('') logs")
    ecall(exec, "Hello 世界 🎉!", "wippy:strings_process", "Hello 世界 🎉")
    return true
  end)
end

function M.calculator()
  return with_store(function(exec, stats)
    ecall(exec, 42, "wippy:calc_process", 6, 7)
    ecall(exec, 12, "wippy:calc_process", 3, 4)
    ecall(exec, 25, "wippy:calc_process", 5, 5)
    for i = 0, 4 do ecall(exec, 10 * (i + 1), "wippy:calc_process", i + 1, 10) end
    local s = stats()
    check(#list_of(s.computes) == 0, "process() computes in the guest: " .. show(s.computes))
    ecall(exec, 12, "wippy:calc_process_with_log", 3, 4, "test message")
    s = stats()
    check(same(list_of(s.logs), {
      "Component received: test message",
      "Host computed: 3 + 4 = 12",
      "Component computed: 3 * 4 = 12",
    }), "process-with-log logs: " .. show(s.logs))
    check(same(list_of(s.computes), { { 3, 4 } }), "host compute(3, 4) called once: " .. show(s.computes))
    return true
  end)
end

-- "[resource-drop]counter" is bound through host: (see _index.yaml.in): every handle the guest
-- creates must be dropped by the end of the call.
local DROP_BOUND = true

function M.counter()
  return with_store(function(exec, stats)
    local created = 0
    for _, n in ipairs({ 0, 1, 5, 10 }) do
      ecall(exec, n, "wippy:counter_run_test", n)
      local s = stats()
      created = created + 1
      check(s.created == created, string.format("run-test(%d) made one counter: %s", n, show(s)))
      if DROP_BOUND then
        check(s.live == 0 and s.dropped == s.created, string.format("run-test(%d) dropped it: %s", n, show(s)))
      else
        check(s.dropped == 0, "no drop reaches an unbound host")
      end
    end
    ecall(exec, 6, "wippy:counter_multi_test")
    local s = stats()
    check(s.created > created, "multi-test made counters: " .. show(s))
    if DROP_BOUND then
      check(s.live == 0 and s.dropped == s.created, "multi-test dropped all its counters: " .. show(s))
    end
    return true
  end)
end

-- ---- mapping errors: clear Invalid errors naming the parameter path ----
local function expect_invalid(pattern, id, ...)
  local got, err = funcs.call(id, ...)
  if err == nil then error(string.format("%s: expected an Invalid error, got %s", id, show(got)), 2) end
  if err:kind() ~= errors.INVALID then
    error(string.format("%s: error kind %s, want Invalid: %s", id, tostring(err:kind()), tostring(err)), 2)
  end
  if not tostring(err):find(pattern) then
    error(string.format("%s: error %q does not match %q", id, tostring(err), pattern), 2)
  end
  return err
end

function M.mapping_errors()
  -- argument count
  expect_invalid("expected 2 arguments %(a: u32, b: u32%), got 1", "wippy:compute", 1)
  expect_invalid("expected 2 arguments %(a: u32, b: u32%), got 3", "wippy:compute", 1, 2, 3)
  expect_invalid("expected 1 argument %(p: point%), got 0", "wippy:echo_point")
  -- integer range: u32, s32 (u8 is covered on the project's c-types component, tests/apps/components)
  expect_invalid("b: value 4294967296 out of range for u32", "wippy:compute", 1, 4294967296)
  expect_invalid("a: value %-1 out of range for u32", "wippy:compute", -1, 1)
  expect_invalid("p%.x: value 2147483648 out of range for s32", "wippy:echo_point", { x = 2147483648, y = 0 })
  expect_invalid("p%.y: value %-2147483649 out of range for s32", "wippy:echo_point", { x = 0, y = -2147483649 })
  expect_invalid("items%[3%]: value 2147483648 out of range for s32", "wippy:echo_list_s32", { 1, 2, 2 ^ 31 })
  expect_invalid("a: value 1%.5 is not an integer", "wippy:try_divide", 1.5, 1)
  -- missing record field (nested)
  expect_invalid("p: missing field 'y' of record point", "wippy:echo_point", { x = 1 })
  expect_invalid("r: missing field 'bottom%-right' of record rectangle", "wippy:echo_rectangle",
    { ["top-left"] = { x = 0, y = 0 } })
  expect_invalid("r%.top%-left: missing field 'x'", "wippy:echo_rectangle",
    { ["top-left"] = { y = 0 }, ["bottom-right"] = { x = 0, y = 0 } })
  expect_invalid("users%[2%]: missing field 'tags' of record user%-record", "wippy:transform_users",
    { { id = 1, name = "a", tags = {}, active = true }, { id = 2, name = "b", active = true } })
  -- unknown enum name / index
  expect_invalid("c: unknown case 'purple' for enum color", "wippy:echo_color", "purple")
  expect_invalid("c: case index 3 out of range for enum color", "wippy:echo_color", 3)
  -- bad variant case, bad payload, malformed variant
  expect_invalid("s: unknown case 'triangle' for variant shape", "wippy:echo_shape", { triangle = 1 })
  expect_invalid("s%.circle: value %-1 out of range for u32", "wippy:echo_shape", { circle = -1 })
  expect_invalid("s: expected exactly one case", "wippy:echo_shape", { circle = 1, square = 2 })
  expect_invalid("s: case 'circle' of variant shape needs a payload", "wippy:echo_shape", "circle")
  -- unknown flag
  expect_invalid("p: unknown flag 'delete' for flags permissions", "wippy:echo_permissions", { "read", "delete" })
  -- non-UTF-8 string
  expect_invalid("p%.name: .*UTF%-8", "wippy:echo_person", { name = "\xff\xfe", age = 1 })
  expect_invalid("items%[2%]: .*UTF%-8", "wippy:echo_list_string", { "ok", "bad\xc3" })
  expect_invalid("input: .*UTF%-8", "wippy:strings_echo", "\xc0\x80")
  -- wrong types
  expect_invalid("p%.age: expected an integer for u32, got string", "wippy:echo_person", { name = "x", age = "old" })
  expect_invalid("make%-some: expected a boolean for bool, got string", "wippy:maybe_point", "yes")
  expect_invalid("items: ", "wippy:echo_list_s32", 5)
  -- the entries still work afterwards
  expect({ x = 1, y = 2 }, "wippy:echo_point", { x = 1, y = 2 })
  expect(15, "wippy:compute", 5, 3)
  return true
end

return M

-- The registry module over this app's entries (see _index.yaml for what is declared).
local M = {}

local check = require("check")
local fails, raises, ids = check.fails, check.raises, check.ids

local function test_parse_id()
  local id = registry.parse_id("app.lib:assert")
  assert(id.ns == "app.lib" and id.name == "assert")
  id = registry.parse_id("bare")
  assert(id.ns == "" and id.name == "bare")
  id = registry.parse_id("a:b:c")  -- splits at the first colon
  assert(id.ns == "a" and id.name == "b:c", id.name)
  raises("bad argument #1", registry.parse_id, {})
end

local function test_get()
  local e, err = registry.get("reg:alpha")
  assert(e and err == nil, tostring(err))
  assert(e.id == "reg:alpha" and e.kind == "registry.entry")
  assert(e.meta.type == "widget" and e.meta.color == "red" and e.meta.priority == 1)
  assert(e.meta.tags[1] == "a" and e.meta.tags[2] == "b")
  assert(e.data.value == 42, "data holds the entry's other fields")
  assert(e.data.nested.flag == true and e.data.nested.list[2] == 2)
  assert(e.data.name == nil and e.data.kind == nil and e.data.meta == nil)

  local f = registry.get("reg:test_registry")
  assert(f.kind == "function.lua" and f.meta.type == "test" and f.data.method == "main")
  assert(registry.get("reg.other:delta").meta.color == "green")

  fails(errors.NOT_FOUND, "entry not found: reg:nope", registry.get("reg:nope"))
  local _, nf = registry.get("reg:nope")
  assert(nf:retryable() == false, "the reference's errors are not retryable")
  fails(errors.NOT_FOUND, "entry not found: alpha", registry.get("alpha"))  -- ids are not relative
  raises("bad argument #1 to 'registry.get'", registry.get, {})
  raises("bad argument #1 to 'registry.get'", registry.get)
end

local function test_find()
  assert(ids(registry.find({kind = "registry.entry"})) == "reg.other:delta,reg:alpha,reg:beta,reg:secret")
  assert(ids(registry.find({type = "widget"})) == "reg.other:delta,reg:alpha,reg:beta")
  assert(ids(registry.find({kind = "registry.entry", type = "widget"})) == "reg.other:delta,reg:alpha,reg:beta")
  assert(ids(registry.find({meta = {color = "red"}})) == "reg:alpha,reg:gamma")
  assert(ids(registry.find({color = "red", type = "gadget"})) == "reg:gamma", "other fields match meta")
  assert(ids(registry.find({["meta.color"] = "blue"})) == "reg:beta")
  assert(ids(registry.find({priority = 2})) == "reg:beta")
  assert(ids(registry.find({priority = 2.0})) == "reg:beta", "numbers compare by value")
  assert(ids(registry.find({tags = {"b"}})) == "reg:alpha,reg:beta", "a list: all its elements present")
  assert(ids(registry.find({tags = {"a", "b"}})) == "reg:alpha")
  -- the reference finder's prefixed keys
  assert(ids(registry.find({kind = "registry.*"})) == "reg.other:delta,reg:alpha,reg:beta,reg:gamma,reg:secret")
  assert(ids(registry.find({[".kind"] = "registry.*", [".ns"] = "reg.other"})) == "reg.other:delta")
  assert(ids(registry.find({[".name"] = "*ta"})) == "reg.other:delta,reg:beta")
  assert(ids(registry.find({["~meta.description"] = "^the .* widget$"})) == "reg:alpha")
  assert(ids(registry.find({["^meta.color"] = "gr"})) == "reg.other:delta")
  assert(ids(registry.find({["$meta.color"] = "ue"})) == "reg:beta")
  assert(ids(registry.find({["*meta.tags"] = "a"})) == "reg:alpha")
  -- nothing matches: an empty list, not an error
  local none, err = registry.find({kind = "no.such.kind"})
  assert(none and #none == 0 and err == nil)
  -- every entry of the app
  local all = registry.find({})
  assert(#all == 10, "all entries: " .. #all)

  fails(errors.INVALID, "invalid regex", registry.find({["~meta.description"] = "("}))
  fails(errors.INVALID, "filter field kind: string expected", registry.find({kind = 5}))
  fails(errors.INVALID, "filter field meta: table expected", registry.find({meta = "red"}))
  fails(errors.INVALID, "filter", registry.find({type = function() end}))
  raises("bad argument #1 to 'registry.find' (table expected", registry.find, "registry.entry")
end

local function test_snapshot()
  local snap, err = registry.snapshot()
  assert(snap and err == nil, tostring(err))
  assert(tostring(snap):find("registry.Snapshot", 1, true))
  local entries = snap:entries()
  assert(#entries == 10, "snapshot entries: " .. #entries)
  assert(snap:get("reg:beta").meta.color == "blue")
  fails(errors.NOT_FOUND, "entry not found: reg:nope", snap:get("reg:nope"))
  assert(ids(snap:namespace("reg.other")) == "reg.other:delta")
  assert(#snap:namespace("nowhere") == 0)
  assert(ids(snap:find({type = "widget", color = "blue"})) == "reg:beta")
  fails(errors.INVALID, "filter field kind", snap:find({kind = true}))
  raises("string expected, got table", snap.get, snap, {})
  raises("registry.Snapshot expected", snap.get, {}, "reg:alpha")

  -- versions: the app booted as version 1 and nothing was applied since
  local v = snap:version()
  assert(v:id() == 1, "version " .. v:id())
  assert(v:previous() == nil and v:next() == nil)
  assert(v:string() == "v1" and tostring(v) == "v1")
  local cur, cerr = registry.current_version()
  assert(cur and cerr == nil and cur == v, "current_version equals the snapshot's")
  local versions = registry.versions()
  assert(#versions == 1 and versions[1]:id() == 1)

  local at = registry.snapshot_at(1)
  assert(at:version():id() == 1 and #at:entries() == 10)
  fails(errors.INVALID, "invalid version ID", registry.snapshot_at(0))
  fails(errors.NOT_FOUND, "version not found: 99", registry.snapshot_at(99))
  raises("bad argument #1 to 'registry.snapshot_at'", registry.snapshot_at, "one")

  local hist = registry.history()
  assert(#hist:versions() == 1)
  assert(hist:get_version(1):id() == 1)
  fails(errors.NOT_FOUND, "version not found: 7", hist:get_version(7))
  fails(errors.INVALID, "invalid version ID", hist:get_version(-1))
  assert(hist:snapshot_at(v):get("reg:alpha").data.value == 42)
  fails(errors.INVALID, "expected version object", hist:snapshot_at(1))
end

local function test_build_delta()
  local from = {
    {id = "x:keep", kind = "k", meta = {a = 1}},
    {id = "x:change", kind = "k", data = {v = 1}},
    {id = "x:gone", kind = "k"},
  }
  local to = {
    {id = "x:keep", kind = "k", meta = {a = 1}},
    {id = {ns = "x", name = "change"}, kind = "k", data = {v = 2}},
    {id = "x:new", kind = "k"},
  }
  local ops, err = registry.build_delta(from, to)
  assert(ops and err == nil, tostring(err))
  assert(#ops == 3, "ops: " .. #ops)
  assert(ops[1].kind == "entry.update" and ops[1].entry.id == "x:change" and ops[1].entry.data.v == 2)
  assert(ops[2].kind == "entry.create" and ops[2].entry.id == "x:new")
  assert(ops[3].kind == "entry.delete" and ops[3].entry.id == "x:gone")
  fails(errors.INVALID, "to_entries[1]: entry must have kind field", registry.build_delta({}, {{id = "x:y"}}))
  fails(errors.INVALID, "from_entries must be a table", registry.build_delta("x", {}))
end

-- A caller scoped to may_read_widgets: get is denied outside it, listings leave entries out.
local function test_permissions()
  local scoped = funcs.new():with_actor({id = "user:1"}):with_scope({"reg:may_read_widgets"})
  assert(scoped:call("reg:probe", "get", "reg:alpha") == "reg:alpha")
  fails(errors.PERMISSION_DENIED, "not allowed to access entry: reg:secret", scoped:call("reg:probe", "get", "reg:secret"))
  fails(errors.PERMISSION_DENIED, "not allowed to access entry: reg:nope", scoped:call("reg:probe", "get", "reg:nope"))
  fails(errors.PERMISSION_DENIED, "not allowed to access entry: reg:gamma",
        scoped:call("reg:probe", "snapshot.get", "reg:gamma"))
  assert(scoped:call("reg:probe", "find") == "reg:alpha,reg:beta")
  assert(scoped:call("reg:probe", "snapshot.entries") == "reg:alpha,reg:beta")
  -- without a scope nothing is filtered (not strict mode)
  assert(funcs.new():call("reg:probe", "find") == "reg.other:delta,reg:alpha,reg:beta,reg:gamma,reg:secret")
end

local made_source = "return {run = function(x) return 'made ' .. tostring(x) end}"

-- Changesets and apply_version: each applied change is the next version, built and checked by
-- the reload transaction; a rejected one changes nothing.
local function test_writes()
  local snap = registry.snapshot()
  local base = snap:version():id()
  local changes = snap:changes()
  assert(tostring(changes):find("0 operations", 1, true))
  fails(errors.INVALID, "no changes to apply", changes:apply())

  local chained = changes:create({id = "reg:made", kind = "function.lua", meta = {type = "made"},
                                  data = {source = made_source, method = "run"}})
  assert(chained == changes, "create returns the changeset")
  changes:update({id = "reg:beta", kind = "registry.entry", meta = {type = "widget", color = "purple"}, data = {value = 8}})
  changes:delete({ns = "reg", name = "gamma"})
  fails(errors.INVALID, "entry must have kind field", changes:create({id = "reg:x"}))
  fails(errors.INVALID, "data must be a table", changes:create({id = "reg:x", kind = "k", data = 5}))
  fails(errors.INVALID, "invalid ID format", changes:delete(42))
  raises("table expected", changes.create, changes, "reg:x")
  local ops = changes:ops()
  assert(#ops == 3, "ops: " .. #ops)
  assert(ops[1].kind == "entry.create" and ops[1].entry.id == "reg:made" and ops[1].entry.data.method == "run")
  assert(ops[2].kind == "entry.update" and ops[3].kind == "entry.delete" and ops[3].entry.id == "reg:gamma")

  local v, err = changes:apply()
  assert(v and err == nil, tostring(err))
  assert(v:id() == base + 1 and v:previous():id() == base)
  assert(registry.current_version() == v)
  assert(registry.get("reg:beta").meta.color == "purple" and registry.get("reg:beta").data.value == 8)
  fails(errors.NOT_FOUND, "entry not found: reg:gamma", registry.get("reg:gamma"))
  assert(registry.get("reg:made").meta.type == "made")
  -- This call chain stays on the generation it started on (sched/functions.h): the new
  -- function is for calls that start later (test_zz_after_changes calls it).
  local made, merr = funcs.new():call("reg:made", 5)
  assert(made == nil and tostring(merr):find("reg:made", 1, true), tostring(merr))
  -- an older snapshot does not change; the history has both versions
  assert(snap:get("reg:beta").meta.color == "blue" and snap:get("reg:gamma"))
  assert(#registry.versions() == 2 and registry.snapshot_at(base):get("reg:gamma"))
  assert(snap:version():next() == v)

  -- conflicting operations: each one named, nothing applied
  local conflict = registry.snapshot():changes()
  conflict:create({id = "reg:made", kind = "registry.entry"}):update({id = "reg:nope", kind = "k"})
  local nv, cerr = conflict:apply()
  fails(errors.INTERNAL, "entry.create reg:made: entry already exists", nv, cerr)
  assert(tostring(cerr):find("entry.update reg:nope: entry not found", 1, true), tostring(cerr))

  -- entries the transaction rejects: every problem, and the running version keeps serving
  local bad = registry.snapshot():changes()
  bad:create({id = "reg:broken", kind = "function.lua", data = {source = "return {run = function( end}", method = "run"}})
  bad:create({id = "reg:no_method", kind = "function.lua", data = {source = made_source}})
  bad:delete("reg:beta")
  local bv, berr = bad:apply()
  fails(errors.INTERNAL, "apply changes:", bv, berr)
  assert(tostring(berr):find("entry reg:broken", 1, true), tostring(berr))
  assert(tostring(berr):find("entry reg:no_method", 1, true), tostring(berr))
  assert(tostring(berr):find("(registry change by reg:test_registry)", 1, true), tostring(berr))
  assert(registry.current_version():id() == base + 1)
  assert(registry.get("reg:beta"), "the rejected change deleted nothing")
  fails(errors.NOT_FOUND, "entry not found: reg:broken", registry.get("reg:broken"))

  -- roll back to the boot version: a new version with the old entries
  local ok, aerr = registry.apply_version(registry.snapshot_at(base):version())
  assert(ok == true and aerr == nil, tostring(aerr))
  assert(registry.current_version():id() == base + 2)
  assert(registry.get("reg:gamma") and registry.get("reg:beta").meta.color == "blue")
  fails(errors.NOT_FOUND, "entry not found: reg:made", registry.get("reg:made"))
  ok, aerr = registry.apply_version("v1")
  assert(ok == false and aerr:kind() == errors.INVALID and tostring(aerr):find("expected version object", 1, true))
  assert(registry.current_version():id() == base + 2)

  -- and forward again: the function test_zz_after_changes calls
  local again = registry.snapshot():changes()
  again:create({id = "reg:made", kind = "function.lua", data = {source = made_source, method = "run"}})
  -- a WASM function too: the transaction compiles it on this fiber
  again:create({id = "reg:made_wat", kind = "function.wat", data = {method = "v",
                source = '(module (func (export "v") (result i32) i32.const 7))'}})
  assert(again:apply():id() == base + 3)
end

-- Writes under a scope that does not allow them.
local function test_write_permissions()
  local scoped = funcs.new():with_actor({id = "user:1"}):with_scope({"reg:may_read_widgets"})
  fails(errors.PERMISSION_DENIED, "not allowed to apply registry changes", scoped:call("reg:probe", "apply"))
  fails(errors.PERMISSION_DENIED, "registry version change is not allowed", scoped:call("reg:probe", "apply_version"))
  fails(errors.NOT_FOUND, "entry not found: reg:never", registry.get("reg:never"))
end

function M.main()
  test_parse_id()
  test_get()
  test_find()
  test_snapshot()
  test_build_delta()
  test_permissions()
  test_write_permissions()
  test_writes()
  return true
end

return M

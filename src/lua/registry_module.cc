// The `registry` module (runtime/lua/modules/registry/spec.md): reads of the app's entries —
// get, find, parse_id, snapshot, snapshot_at, current_version, versions, history — over the
// versioned entry store (registry/store.h), and build_delta between two entry lists.
//
// Every read of an entry is checked against the caller's security context with the
// reference's action `registry.get` on the entry id: get and snapshot:get answer
// PERMISSION_DENIED, the listing functions leave out what the caller may not see.
//
// Objects: a Snapshot holds one immutable version (a shared_ptr: it stays readable after
// reloads replace it), a Version only its number, a History nothing (it reads the store), a
// Changes object its list of operations.
//
// Writes — snapshot:changes() ... :apply() and apply_version — go through the app's reload
// transaction (app/reload.h, registry/changes.h): the edited entry list is validated and
// committed as one new version, or rejected with every problem while the running version keeps
// serving. Permission actions as the reference's: `registry.apply` / `registry.apply_version`.
#include <fmt/format.h>

#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/runtime.h"
#include "registry/changes.h"
#include "registry/filter.h"
#include "registry/store.h"

namespace wirt::lua {

namespace {

constexpr const char* kSnapshotClass = "registry.Snapshot";
constexpr const char* kVersionClass = "registry.Version";
constexpr const char* kHistoryClass = "registry.History";
constexpr const char* kChangesClass = "registry.Changes";

struct SnapshotRef {
  std::shared_ptr<const registry::Snapshot> snap;
};
struct VersionRef {
  uint64_t id = 0;
};
struct HistoryRef {};
struct ChangesRef {
  std::vector<registry::Change> ops;
};

const sched::CallContext* context(lua_State* L) { return static_cast<const sched::CallContext*>(state_env(L)->call); }

// The store, or nullptr after pushing `nil, err` (the reference's two internal failures).
const registry::Store* store_or_error(lua_State* L) {
  if (!context(L)) {
    push_nil_error(L, core::internal("no context").with_retryable(false));
    return nullptr;
  }
  const registry::Store* store = state_env(L)->runtime->entry_store();
  if (!store) push_nil_error(L, core::internal("registry not found in context").with_retryable(false));
  return store;
}

bool may_read(lua_State* L, const registry::EntryId& id) {
  const sched::CallContext* ctx = context(L);
  return ctx && state_env(L)->runtime->policies()->allowed(*ctx, "registry.get", id.str());
}

void push_entry(lua_State* L, const registry::Entry& e) {
  lua_createtable(L, 0, 4);
  std::string id = e.id.str();
  lua_pushlstring(L, id.data(), id.size());
  lua_setfield(L, -2, "id");
  lua_pushlstring(L, e.kind.data(), e.kind.size());
  lua_setfield(L, -2, "kind");
  push_value(L, e.meta);
  lua_setfield(L, -2, "meta");
  push_value(L, e.data);
  lua_setfield(L, -2, "data");
}

void push_version(lua_State* L, uint64_t id) { new_udata<VersionRef>(L, kVersionClass, VersionRef{id}); }

void push_snapshot(lua_State* L, std::shared_ptr<const registry::Snapshot> snap) {
  new_udata<SnapshotRef>(L, kSnapshotClass, SnapshotRef{std::move(snap)});
}

// Pushes the entries of `snap` that pass `keep` and the caller may read, as an array.
template <typename Keep>
void push_entries(lua_State* L, const registry::Snapshot& snap, Keep keep) {
  lua_newtable(L);
  lua_Integer n = 0;
  for (const auto& e : snap.entries) {
    if (!keep(e) || !may_read(L, e.id)) continue;
    push_entry(L, e);
    lua_rawseti(L, -2, ++n);
  }
}

// get(id) over one snapshot: `nil, err` (PERMISSION_DENIED / NOT_FOUND) or the entry.
int get_from(lua_State* L, const registry::Snapshot& snap, int arg) {
  registry::EntryId id = registry::EntryId::parse(luaL_checkstring(L, arg));
  if (!may_read(L, id))
    return push_nil_error(L, core::permission_denied("not allowed to access entry: " + id.str()).with_retryable(false));
  const registry::Entry* e = snap.find(id);
  if (!e) return push_nil_error(L, core::not_found("entry not found: " + id.str()).with_retryable(false));
  push_entry(L, *e);
  lua_pushnil(L);
  return 2;
}

// find(filter) over one snapshot: the entries as an array, nil; or `nil, err` for a filter
// that is not a table of strings, numbers, booleans and lists.
int find_in(lua_State* L, const registry::Snapshot& snap, int arg) {
  luaL_checktype(L, arg, LUA_TTABLE);
  auto criteria = to_value(L, arg, "filter");
  if (!criteria) return push_nil_error(L, std::move(criteria).error().with_retryable(false));
  auto filter = registry::Filter::parse(*criteria);
  if (!filter) return push_nil_error(L, std::move(filter).error().with_retryable(false));
  push_entries(L, snap, [&](const registry::Entry& e) { return filter->match(e); });
  lua_pushnil(L);
  return 2;
}

// The newest version, or nullptr after pushing `nil, err`.
std::shared_ptr<const registry::Snapshot> current_or_error(lua_State* L) {
  const registry::Store* store = store_or_error(L);
  if (!store) return nullptr;
  auto snap = store->current();
  if (!snap) push_nil_error(L, core::internal("get current version: no version published").with_retryable(false));
  return snap;
}

// A kept version by number: the snapshot, or nullptr after pushing `nil, err`.
std::shared_ptr<const registry::Snapshot> version_or_error(lua_State* L, const registry::Store& store, lua_Integer id) {
  auto snap = id > 0 ? store.at(static_cast<uint64_t>(id)) : nullptr;
  if (!snap) push_nil_error(L, core::not_found(fmt::format("version not found: {}", id)).with_retryable(false));
  return snap;
}

int reg_parse_id(lua_State* L) {
  registry::EntryId id = registry::EntryId::parse(luaL_checkstring(L, 1));
  lua_createtable(L, 0, 2);
  lua_pushlstring(L, id.ns.data(), id.ns.size());
  lua_setfield(L, -2, "ns");
  lua_pushlstring(L, id.name.data(), id.name.size());
  lua_setfield(L, -2, "name");
  return 1;
}

int reg_get(lua_State* L) {
  luaL_checkstring(L, 1);
  auto snap = current_or_error(L);
  return snap ? get_from(L, *snap, 1) : 2;
}

int reg_find(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  auto snap = current_or_error(L);
  return snap ? find_in(L, *snap, 1) : 2;
}

int reg_snapshot(lua_State* L) {
  auto snap = current_or_error(L);
  if (!snap) return 2;
  push_snapshot(L, std::move(snap));
  lua_pushnil(L);
  return 2;
}

int reg_snapshot_at(lua_State* L) {
  lua_Integer id = luaL_checkinteger(L, 1);
  const registry::Store* store = store_or_error(L);
  if (!store) return 2;
  if (id <= 0) return push_nil_error(L, core::invalid("invalid version ID: must be > 0").with_retryable(false));
  auto snap = version_or_error(L, *store, id);
  if (!snap) return 2;
  push_snapshot(L, std::move(snap));
  lua_pushnil(L);
  return 2;
}

int reg_current_version(lua_State* L) {
  auto snap = current_or_error(L);
  if (!snap) return 2;
  push_version(L, snap->version);
  lua_pushnil(L);
  return 2;
}

int push_versions(lua_State* L, const registry::Store& store) {
  lua_newtable(L);
  lua_Integer n = 0;
  for (uint64_t v : store.versions()) {
    push_version(L, v);
    lua_rawseti(L, -2, ++n);
  }
  lua_pushnil(L);
  return 2;
}

int reg_versions(lua_State* L) {
  const registry::Store* store = store_or_error(L);
  return store ? push_versions(L, *store) : 2;
}

int reg_history(lua_State* L) {
  if (!store_or_error(L)) return 2;
  new_udata<HistoryRef>(L, kHistoryClass);
  lua_pushnil(L);
  return 2;
}

// --- build_delta ---------------------------------------------------------------------------

// An entry table ({id = "ns:name" | {ns=, name=}, kind =, meta =, data =}) as an Entry.
core::Result<registry::Entry> to_entry(lua_State* L, int idx, const std::string& path) {
  auto v = to_value(L, idx, path);
  if (!v) return std::move(v).error();
  if (!v->is_map()) return core::invalid(path + ": entry table expected");
  registry::Entry e;
  const core::Value* id = v->find("id");
  if (id && id->is_string()) {
    e.id = registry::EntryId::parse(id->as_string());
  } else if (id && id->is_map() && id->find("name") && id->find("name")->is_string()) {
    e.id = {id->get_string("ns"), id->get_string("name")};
  } else {
    return core::invalid(path + ": entry must have valid id field");
  }
  if (e.id.name.empty()) return core::invalid(path + ": entry must have valid id field");
  const core::Value* kind = v->find("kind");
  if (!kind || !kind->is_string()) return core::invalid(path + ": entry must have kind field");
  e.kind = kind->as_string();
  // Entries keep meta and data as maps (registry/entry.h); `{}` converts to an empty map.
  if (const core::Value* meta = v->find("meta")) {
    if (!meta->is_map()) return core::invalid(path + ": meta must be a table");
    e.meta = *meta;
  }
  if (const core::Value* data = v->find("data"); data && !data->is_nil()) {
    if (!data->is_map()) return core::invalid(path + ": data must be a table with string keys");
    e.data = *data;
  }
  return e;
}

core::Result<std::vector<registry::Entry>> to_entries(lua_State* L, int idx, const char* name) {
  if (!lua_istable(L, idx)) return core::invalid(fmt::format("{} must be a table", name));
  std::vector<registry::Entry> out;
  lua_Integer n = luaL_len(L, idx);
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, idx, i);
    auto e = to_entry(L, -1, fmt::format("{}[{}]", name, i));
    lua_pop(L, 1);
    if (!e) return std::move(e).error();
    out.push_back(std::move(*e));
  }
  return out;
}

void push_op(lua_State* L, const char* kind, const registry::Entry& e, lua_Integer* n) {
  lua_createtable(L, 0, 2);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  push_entry(L, e);
  lua_setfield(L, -2, "entry");
  lua_rawseti(L, -2, ++*n);
}

// Creates and updates in the order of `to`, then deletes in the order of `from`.
int reg_build_delta(lua_State* L) {
  auto from = to_entries(L, 1, "from_entries");
  if (!from) return push_nil_error(L, std::move(from).error().with_retryable(false));
  auto to = to_entries(L, 2, "to_entries");
  if (!to) return push_nil_error(L, std::move(to).error().with_retryable(false));
  auto find = [](const std::vector<registry::Entry>& list, const registry::EntryId& id) -> const registry::Entry* {
    for (const auto& e : list)
      if (e.id == id) return &e;
    return nullptr;
  };
  lua_newtable(L);
  lua_Integer n = 0;
  for (const auto& e : *to) {
    const registry::Entry* old = find(*from, e.id);
    if (!old) push_op(L, "entry.create", e, &n);
    else if (old->kind != e.kind || old->meta != e.meta || old->data != e.data) push_op(L, "entry.update", e, &n);
  }
  for (const auto& e : *from)
    if (!find(*to, e.id)) push_op(L, "entry.delete", e, &n);
  lua_pushnil(L);
  return 2;
}

// --- Snapshot ------------------------------------------------------------------------------

const registry::Snapshot& check_snapshot(lua_State* L) { return *check_udata<SnapshotRef>(L, 1, kSnapshotClass)->snap; }

int snap_entries(lua_State* L) {
  push_entries(L, check_snapshot(L), [](const registry::Entry&) { return true; });
  lua_pushnil(L);
  return 2;
}

int snap_get(lua_State* L) { return get_from(L, check_snapshot(L), 2); }

int snap_namespace(lua_State* L) {
  const registry::Snapshot& snap = check_snapshot(L);
  std::string ns = luaL_checkstring(L, 2);
  push_entries(L, snap, [&](const registry::Entry& e) { return e.id.ns == ns; });
  return 1;
}

int snap_find(lua_State* L) { return find_in(L, check_snapshot(L), 2); }

int snap_version(lua_State* L) {
  push_version(L, check_snapshot(L).version);
  return 1;
}

int snap_tostring(lua_State* L) {
  const registry::Snapshot& snap = check_snapshot(L);
  std::string s = fmt::format("registry.Snapshot(version {}, {} entries)", snap.version, snap.entries.size());
  lua_pushlstring(L, s.data(), s.size());
  return 1;
}

// --- Version -------------------------------------------------------------------------------

uint64_t check_version(lua_State* L, int idx) { return check_udata<VersionRef>(L, idx, kVersionClass)->id; }

int ver_id(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(check_version(L, 1)));
  return 1;
}

// Version numbers are consecutive, so the neighbours exist whether or not they are still kept.
int ver_previous(lua_State* L) {
  uint64_t id = check_version(L, 1);
  if (id > 1) push_version(L, id - 1);
  else lua_pushnil(L);
  return 1;
}

int ver_next(lua_State* L) {
  uint64_t id = check_version(L, 1);
  const registry::Store* store = state_env(L)->runtime->entry_store();
  auto current = store ? store->current() : nullptr;
  if (current && id < current->version) push_version(L, id + 1);
  else lua_pushnil(L);
  return 1;
}

int ver_string(lua_State* L) {
  std::string s = fmt::format("v{}", check_version(L, 1));
  lua_pushlstring(L, s.data(), s.size());
  return 1;
}

int ver_eq(lua_State* L) {
  const VersionRef* a = test_udata<VersionRef>(L, 1, kVersionClass);
  const VersionRef* b = test_udata<VersionRef>(L, 2, kVersionClass);
  lua_pushboolean(L, a && b && a->id == b->id);
  return 1;
}

// --- History -------------------------------------------------------------------------------

const registry::Store* history_store(lua_State* L) {
  check_udata<HistoryRef>(L, 1, kHistoryClass);
  const registry::Store* store = state_env(L)->runtime->entry_store();
  if (!store) push_nil_error(L, core::internal("registry not found in context").with_retryable(false));
  return store;
}

int hist_versions(lua_State* L) {
  const registry::Store* store = history_store(L);
  return store ? push_versions(L, *store) : 2;
}

int hist_get_version(lua_State* L) {
  lua_Integer id = luaL_checkinteger(L, 2);
  const registry::Store* store = history_store(L);
  if (!store) return 2;
  if (id < 0) return push_nil_error(L, core::invalid("invalid version ID: must be >= 0").with_retryable(false));
  if (!version_or_error(L, *store, id)) return 2;
  push_version(L, static_cast<uint64_t>(id));
  lua_pushnil(L);
  return 2;
}

int hist_snapshot_at(lua_State* L) {
  const registry::Store* store = history_store(L);
  if (!store) return 2;
  if (!test_udata<VersionRef>(L, 2, kVersionClass))
    return push_nil_error(L, core::invalid("expected version object").with_retryable(false));
  auto snap = version_or_error(L, *store, static_cast<lua_Integer>(check_version(L, 2)));
  if (!snap) return 2;
  push_snapshot(L, std::move(snap));
  lua_pushnil(L);
  return 2;
}

int hist_tostring(lua_State* L) {
  lua_pushliteral(L, "registry.History");
  return 1;
}

// --- Changes and apply_version -------------------------------------------------------------

// `false, err` (apply_version's failure form).
int push_false_error(lua_State* L, core::Error e) {
  lua_pushboolean(L, 0);
  push_error(L, std::move(e));
  return 2;
}

// Runs `edit` through the app's writer; the new version, or an error of the spec's kinds
// (every failure to apply is Internal, its message naming each problem).
core::Result<uint64_t> write(lua_State* L, const registry::Edit& edit) {
  registry::Writer* writer = state_env(L)->runtime->entry_writer();
  if (!writer) return core::internal("registry changes are not available (no app, or it is still booting)").with_retryable(false);
  auto v = writer->apply(edit);
  if (!v && v.error().kind() != core::ErrorKind::Internal)
    return core::internal("apply changes: " + v.error().message()).with_retryable(false);
  return v;
}

// Where entries written from Lua say they come from (rejections print it as their file).
registry::SourcePos lua_origin(lua_State* L) {
  const sched::CallContext* ctx = context(L);
  return {fmt::format("(registry change by {})", ctx && !ctx->frame_id.empty() ? ctx->frame_id : "lua"), 0, 0};
}

int snap_changes(lua_State* L) {
  check_snapshot(L);
  new_udata<ChangesRef>(L, kChangesClass);
  return 1;
}

ChangesRef& check_changes(lua_State* L) { return *check_udata<ChangesRef>(L, 1, kChangesClass); }

int add_entry_op(lua_State* L, registry::Change::Op op) {
  ChangesRef& self = check_changes(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  auto e = to_entry(L, 2, "entry");
  if (!e) return push_nil_error(L, core::invalid("convert entry: " + e.error().message()).with_retryable(false));
  e->pos = lua_origin(L);
  self.ops.push_back({op, std::move(*e)});
  lua_pushvalue(L, 1);
  return 1;
}

int changes_create(lua_State* L) { return add_entry_op(L, registry::Change::Op::Create); }
int changes_update(lua_State* L) { return add_entry_op(L, registry::Change::Op::Update); }

int changes_delete(lua_State* L) {
  ChangesRef& self = check_changes(L);
  registry::Change c{registry::Change::Op::Delete, {}};
  if (lua_type(L, 2) == LUA_TSTRING) {
    c.entry.id = registry::EntryId::parse(lua_tostring(L, 2));
  } else if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "ns");
    lua_getfield(L, 2, "name");
    if (lua_type(L, -2) == LUA_TSTRING) c.entry.id.ns = lua_tostring(L, -2);
    if (lua_type(L, -1) == LUA_TSTRING) c.entry.id.name = lua_tostring(L, -1);
    lua_pop(L, 2);
  }
  if (c.entry.id.name.empty()) return push_nil_error(L, core::invalid("invalid ID format").with_retryable(false));
  self.ops.push_back(std::move(c));
  lua_pushvalue(L, 1);
  return 1;
}

int changes_ops(lua_State* L) {
  const ChangesRef& self = check_changes(L);
  lua_createtable(L, static_cast<int>(self.ops.size()), 0);
  lua_Integer n = 0;
  for (const auto& c : self.ops) push_op(L, registry::op_name(c.op), c.entry, &n);
  return 1;
}

int changes_apply(lua_State* L) {
  const ChangesRef& self = check_changes(L);
  if (self.ops.empty()) return push_nil_error(L, core::invalid("no changes to apply").with_retryable(false));
  const sched::CallContext* ctx = context(L);
  if (!ctx) return push_nil_error(L, core::internal("no context").with_retryable(false));
  if (!state_env(L)->runtime->policies()->allowed(*ctx, "registry.apply", ""))
    return push_nil_error(L, core::permission_denied("not allowed to apply registry changes").with_retryable(false));
  std::vector<registry::Change> ops = self.ops;  // the Lua object may be collected meanwhile
  auto v = write(L, [&](const std::vector<registry::Entry>& running) { return registry::apply_changes(running, ops); });
  if (!v) return push_nil_error(L, std::move(v).error());
  push_version(L, *v);
  lua_pushnil(L);
  return 2;
}

int changes_tostring(lua_State* L) {
  std::string s = fmt::format("registry.Changes({} operations)", check_changes(L).ops.size());
  lua_pushlstring(L, s.data(), s.size());
  return 1;
}

int reg_apply_version(lua_State* L) {
  const VersionRef* v = test_udata<VersionRef>(L, 1, kVersionClass);
  const sched::CallContext* ctx = context(L);
  if (!ctx) return push_false_error(L, core::internal("no context").with_retryable(false));
  if (!state_env(L)->runtime->policies()->allowed(*ctx, "registry.apply_version", ""))
    return push_false_error(L, core::permission_denied("registry version change is not allowed").with_retryable(false));
  const registry::Store* store = state_env(L)->runtime->entry_store();
  if (!store) return push_false_error(L, core::internal("registry not found in context").with_retryable(false));
  if (!v) return push_false_error(L, core::invalid("expected version object").with_retryable(false));
  auto snap = store->at(v->id);
  if (!snap) return push_false_error(L, core::not_found(fmt::format("version not found: {}", v->id)).with_retryable(false));
  auto applied = write(L, [&](const std::vector<registry::Entry>&) -> core::Result<std::vector<registry::Entry>> {
    return snap->entries;
  });
  if (!applied) return push_false_error(L, std::move(applied).error());
  lua_pushboolean(L, 1);
  lua_pushnil(L);
  return 2;
}

}  // namespace

int open_registry(lua_State* L) {
  static const luaL_Reg snapshot_methods[] = {
      {"entries", snap_entries}, {"get", snap_get},         {"namespace", snap_namespace}, {"find", snap_find},
      {"version", snap_version}, {"changes", snap_changes},     {"__tostring", snap_tostring}, {nullptr, nullptr},
  };
  static const luaL_Reg version_methods[] = {
      {"id", ver_id},         {"previous", ver_previous}, {"next", ver_next}, {"string", ver_string},
      {"__tostring", ver_string}, {"__eq", ver_eq},       {nullptr, nullptr},
  };
  static const luaL_Reg history_methods[] = {
      {"versions", hist_versions}, {"get_version", hist_get_version}, {"snapshot_at", hist_snapshot_at},
      {"__tostring", hist_tostring}, {nullptr, nullptr},
  };
  define_class(L, kSnapshotClass, snapshot_methods, destroy_udata<SnapshotRef>);
  define_class(L, kVersionClass, version_methods, destroy_udata<VersionRef>);
  define_class(L, kHistoryClass, history_methods, destroy_udata<HistoryRef>);
  static const luaL_Reg changes_methods[] = {
      {"ops", changes_ops},       {"create", changes_create}, {"update", changes_update}, {"delete", changes_delete},
      {"apply", changes_apply},   {"__tostring", changes_tostring}, {nullptr, nullptr},
  };
  define_class(L, kChangesClass, changes_methods, destroy_udata<ChangesRef>);
  static const luaL_Reg funcs[] = {
      {"parse_id", reg_parse_id},
      {"get", reg_get},
      {"find", reg_find},
      {"snapshot", reg_snapshot},
      {"snapshot_at", reg_snapshot_at},
      {"current_version", reg_current_version},
      {"versions", reg_versions},
      {"history", reg_history},
      {"build_delta", reg_build_delta},
      {"apply_version", reg_apply_version},
      {nullptr, nullptr},
  };
  luaL_newlib(L, funcs);
  return 1;
}

}  // namespace wirt::lua

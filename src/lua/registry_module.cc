// The `registry` module (runtime/lua/modules/registry/spec.md): reads of the app's entries —
// get, find, parse_id, snapshot, snapshot_at, current_version, versions, history — over the
// versioned entry store (registry/store.h), and build_delta between two entry lists.
//
// Every read of an entry is checked against the caller's security context with the
// reference's action `registry.get` on the entry id: get and snapshot:get answer
// PERMISSION_DENIED, the listing functions leave out what the caller may not see.
//
// Objects: a Snapshot holds one immutable version (a shared_ptr: it stays readable after
// reloads replace it), a Version only its number, a History nothing (it reads the store).
// Writes (snapshot:changes(), apply_version) are not supported yet: see README.
#include <fmt/format.h>

#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/runtime.h"
#include "registry/filter.h"
#include "registry/store.h"

namespace wirt::lua {

namespace {

constexpr const char* kSnapshotClass = "registry.Snapshot";
constexpr const char* kVersionClass = "registry.Version";
constexpr const char* kHistoryClass = "registry.History";

struct SnapshotRef {
  std::shared_ptr<const registry::Snapshot> snap;
};
struct VersionRef {
  uint64_t id = 0;
};
struct HistoryRef {};

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
  if (id <= 0) return push_nil_error(L, core::invalid("version ID must be positive").with_retryable(false));
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
  if (const core::Value* meta = v->find("meta"); meta && meta->is_map()) e.meta = *meta;
  if (const core::Value* data = v->find("data")) e.data = *data;
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
  if (id < 0) return push_nil_error(L, core::invalid("version ID must be non-negative").with_retryable(false));
  if (!version_or_error(L, *store, id)) return 2;
  push_version(L, static_cast<uint64_t>(id));
  lua_pushnil(L);
  return 2;
}

int hist_snapshot_at(lua_State* L) {
  const registry::Store* store = history_store(L);
  if (!store) return 2;
  if (!test_udata<VersionRef>(L, 2, kVersionClass))
    return push_nil_error(L, core::invalid("version object expected").with_retryable(false));
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

}  // namespace

int open_registry(lua_State* L) {
  static const luaL_Reg snapshot_methods[] = {
      {"entries", snap_entries}, {"get", snap_get},         {"namespace", snap_namespace}, {"find", snap_find},
      {"version", snap_version}, {"__tostring", snap_tostring}, {nullptr, nullptr},
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
      {nullptr, nullptr},
  };
  luaL_newlib(L, funcs);
  return 1;
}

}  // namespace wirt::lua

// process.with_context / with_options and the Spawner they return, and process.registry
// (process module spec "Spawner", "process.registry").
//
// A Spawner is an immutable value: each with_* returns a new one. Its spawn* methods start the
// child with the caller's context changed as configured (values merged, options merged, actor
// and scope replaced; with_name registers the child's name).
#include <fmt/format.h>

#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/process_internal.h"
#include "lua/runtime.h"

namespace wirt::lua::process_detail {

namespace {

constexpr const char* kSpawnerClass = "wirt.process.spawner";

struct Spawner {
  core::Value values = core::Value::map();
  core::Value options = core::Value::map();
  std::optional<sched::Actor> actor;
  std::optional<std::vector<std::string>> scope;
  std::string name;
};

Spawner* check_spawner(lua_State* L) { return check_udata<Spawner>(L, 1, kSpawnerClass); }

int push_spawner(lua_State* L, Spawner s) {
  new_udata<Spawner>(L, kSpawnerClass, std::move(s));
  return 1;
}

// Merges the table at idx (named values) into `into`.
core::Status merge_table(lua_State* L, int idx, core::Value& into, const char* what) {
  if (!lua_istable(L, idx)) return core::invalid(fmt::format("{} expects a table", what));
  auto v = to_value(L, idx, what);
  if (!v) return std::move(v).error();
  if (v->is_map()) {
    for (auto& [k, e] : v->as_map()) into.set(k, e);
  } else if (!(v->is_array() && v->as_array().empty())) {
    return core::invalid(fmt::format("{} expects a table of named values", what));
  }
  return {};
}

int with_values(lua_State* L, Spawner next, int idx, bool options) {
  auto st = merge_table(L, idx, options ? next.options : next.values, options ? "with_options" : "with_context");
  if (!st) return push_nil_error(L, std::move(st).error());
  return push_spawner(L, std::move(next));
}

int m_with_context(lua_State* L) { return with_values(L, *check_spawner(L), 2, false); }
int m_with_options(lua_State* L) { return with_values(L, *check_spawner(L), 2, true); }

bool security_allowed(lua_State* L) {
  return state_env(L)->runtime->policies()->allowed(context(L), "process.security", "security");
}

int m_with_actor(lua_State* L) {
  Spawner next = *check_spawner(L);
  if (!security_allowed(L)) return push_nil_error(L, core::permission_denied("not allowed: security"));
  auto actor = to_actor(L, 2);
  if (!actor) return luaL_argerror(L, 2, "actor must be an Actor or a table with a string id");
  next.actor = std::move(*actor);
  return push_spawner(L, std::move(next));
}

int m_with_scope(lua_State* L) {
  Spawner next = *check_spawner(L);
  if (!security_allowed(L)) return push_nil_error(L, core::permission_denied("not allowed: security"));
  auto policies = to_policy_list(L, 2);
  if (!policies) return luaL_argerror(L, 2, "scope must be a list of policy ids");
  next.scope = std::move(*policies);
  return push_spawner(L, std::move(next));
}

int m_with_name(lua_State* L) {
  Spawner next = *check_spawner(L);
  next.name = luaL_checkstring(L, 2);
  return push_spawner(L, std::move(next));
}

int spawn_with(lua_State* L, bool monitor, bool link, const char* fname) {
  Spawner s = *check_spawner(L);
  sched::CallContext caller = context(L);
  for (auto& [k, v] : s.values.as_map()) caller.values.set(k, v);
  for (auto& [k, v] : s.options.as_map()) caller.options.set(k, v);
  if (s.actor) caller.actor = s.actor;
  if (s.scope) caller.scope = s.scope;
  sched::SpawnOptions o{.monitor = monitor, .link = link, .name = s.name};
  return spawn_from(L, 2, caller, o, fname);
}

int m_spawn(lua_State* L) { return spawn_with(L, false, false, "spawn"); }
int m_spawn_monitored(lua_State* L) { return spawn_with(L, true, false, "spawn_monitored"); }
int m_spawn_linked(lua_State* L) { return spawn_with(L, false, true, "spawn_linked"); }
int m_spawn_linked_monitored(lua_State* L) { return spawn_with(L, true, true, "spawn_linked_monitored"); }

int p_with_context(lua_State* L) { return with_values(L, Spawner{}, 1, false); }
int p_with_options(lua_State* L) { return with_values(L, Spawner{}, 1, true); }

// ---- process.registry -------------------------------------------------------------------------

// Scope numbers of the reference (spec "Scopes"). A single node has only LOCAL. In a cluster
// with names every name is cluster-wide (one JetStream KV bucket, compare-and-set; docs/cluster.md
// §7), so LOCAL, CONSISTENT and STRONG all name it; EVENTUAL is not offered.
enum Scope { kLocal = 0, kConsistent = 1, kEventual = 2, kStrong = 3 };

core::Error denied(std::string m) {
  return core::Error(core::ErrorKind::PermissionDenied, std::move(m)).with_retryable(false);
}

int r_register(lua_State* L) {
  std::string name = luaL_checkstring(L, 1);
  std::string self = self_pid(L);
  std::string pid = lua_isnoneornil(L, 2) ? self : std::string(luaL_checkstring(L, 2));
  lua_Integer scope = kLocal;
  if (!lua_isnoneornil(L, 3)) {
    if (!lua_isinteger(L, 3)) return push_nil_error(L, core::invalid("scope must be a number"));
    scope = lua_tointeger(L, 3);
  }
  if ((scope == kConsistent || scope == kStrong) && !table(L)->cluster_names())
    return push_nil_error(L, core::internal("global registry not available"));
  if (scope == kEventual) return push_nil_error(L, core::internal("eventual registry not available"));
  if (scope != kLocal && scope != kConsistent && scope != kStrong) return push_nil_error(L, core::invalid(fmt::format("unknown registry scope {}", scope)));
  if (pid.empty() || pid.front() != '{') return push_nil_error(L, core::invalid(fmt::format("invalid pid: {}", pid)));
  const sched::Policies* policies = table(L)->policies();
  if (pid != self && !policies->allowed(context(L), "process.registry.foreign", pid))
    return push_nil_error(L, denied(fmt::format("not allowed to register foreign pid {} under name \"{}\"", pid, name)));
  if (!policies->allowed(context(L), "process.registry.register", name))
    return push_nil_error(L, denied(fmt::format("not allowed to register name: {}", name)));
  if (auto st = table(L)->register_name(name, pid); !st) return push_nil_error(L, std::move(st).error());
  lua_pushboolean(L, 1);
  return 1;
}

int r_lookup(lua_State* L) {
  auto pid = table(L)->lookup(luaL_checkstring(L, 1));
  if (!pid) return push_nil_error(L, std::move(pid).error());
  lua_pushlstring(L, pid->data(), pid->size());
  return 1;
}

int r_unregister(lua_State* L) {
  std::string name = luaL_checkstring(L, 1);
  if (!table(L)->policies()->allowed(context(L), "process.registry.unregister", name))
    return push_nil_error(L, denied(fmt::format("not allowed to unregister name: {}", name)));
  lua_pushboolean(L, table(L)->unregister_name(name));
  return 1;
}

}  // namespace

void open_spawner(lua_State* L) {
  static const luaL_Reg methods[] = {
      {"with_context", m_with_context},
      {"with_options", m_with_options},
      {"with_actor", m_with_actor},
      {"with_scope", m_with_scope},
      {"with_name", m_with_name},
      {"spawn", m_spawn},
      {"spawn_monitored", m_spawn_monitored},
      {"spawn_linked", m_spawn_linked},
      {"spawn_linked_monitored", m_spawn_linked_monitored},
      {nullptr, nullptr},
  };
  define_class(L, kSpawnerClass, methods, destroy_udata<Spawner>);
  lua_pushcfunction(L, p_with_context);
  lua_setfield(L, -2, "with_context");
  lua_pushcfunction(L, p_with_options);
  lua_setfield(L, -2, "with_options");
}

void open_registry(lua_State* L) {
  static const luaL_Reg funcs[] = {
      {"register", r_register},
      {"lookup", r_lookup},
      {"unregister", r_unregister},
      {nullptr, nullptr},
  };
  luaL_newlib(L, funcs);
  for (auto [name, value] : {std::pair{"LOCAL", kLocal}, {"CONSISTENT", kConsistent}, {"EVENTUAL", kEventual},
                             {"STRONG", kStrong}}) {
    lua_pushinteger(L, value);
    lua_setfield(L, -2, name);
  }
  lua_setfield(L, -2, "registry");
}

}  // namespace wirt::lua::process_detail

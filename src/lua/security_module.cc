// The `security` module (reference-platform §3 "security"): actor(), scope(), can(),
// new_actor(), new_scope(), policy(). Actors are {id, meta}; scopes are sets of policy ids.
// Actor and Scope objects are tables with methods, so funcs.new():with_actor/with_scope take
// them as they take plain tables.
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/runtime.h"
#include "sched/security.h"

namespace wirt::lua {

namespace {

constexpr const char* kActorClass = "wirt.actor";

const sched::CallContext* ctx_of(lua_State* L) { return static_cast<const sched::CallContext*>(state_env(L)->call); }

const sched::Policies* policies(lua_State* L) { return state_env(L)->runtime->policies(); }

}  // namespace

void push_actor(lua_State* L, const sched::Actor& a) { new_udata<sched::Actor>(L, kActorClass, a); }

std::optional<std::vector<std::string>> to_policy_list(lua_State* L, int idx) {
  auto v = to_value(L, idx, "scope");
  std::vector<std::string> policies;
  if (v && v->is_array()) {
    for (const auto& p : v->as_array()) {
      if (!p.is_string()) return std::nullopt;
      policies.push_back(p.as_string());
    }
  } else if (!(v && v->is_map() && v->as_map().empty())) {
    return std::nullopt;
  }
  return policies;
}

std::optional<sched::Actor> to_actor(lua_State* L, int idx) {
  if (auto* a = test_udata<sched::Actor>(L, idx, kActorClass)) return *a;
  auto v = to_value(L, idx, "actor");
  if (!v || !v->is_map() || !v->find("id") || !v->find("id")->is_string()) return std::nullopt;
  const core::Value* meta = v->find("meta");
  return sched::Actor{v->get_string("id"), meta && meta->is_map() ? *meta : core::Value::map()};
}

namespace {

// Scope: an array of policy ids with methods.
void push_scope(lua_State* L, const std::vector<std::string>& ids) {
  lua_createtable(L, static_cast<int>(ids.size()), 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    lua_pushlstring(L, ids[i].data(), ids[i].size());
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  luaL_setmetatable(L, "wirt.scope");
}

std::vector<std::string> scope_ids(lua_State* L, int idx) {
  std::vector<std::string> ids;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, idx));
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, idx, i);
    if (lua_type(L, -1) == LUA_TSTRING) ids.emplace_back(lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  return ids;
}

sched::Actor actor_from(lua_State* L, int idx) {
  auto a = to_actor(L, idx);
  if (!a) luaL_argerror(L, idx, "actor must be an Actor or a table with a string id");
  return *a;
}

int actor_id(lua_State* L) {
  const auto* a = check_udata<sched::Actor>(L, 1, kActorClass);
  lua_pushlstring(L, a->id.data(), a->id.size());
  return 1;
}
int actor_meta(lua_State* L) {
  push_value(L, check_udata<sched::Actor>(L, 1, kActorClass)->meta);
  return 1;
}

int scope_policies(lua_State* L) {
  push_value(L, core::Value([&] {
    core::Array a;
    for (auto& id : scope_ids(L, 1)) a.emplace_back(id);
    return a;
  }()));
  return 1;
}
int scope_contains(lua_State* L) {
  auto ids = scope_ids(L, 1);
  lua_pushboolean(L, std::find(ids.begin(), ids.end(), luaL_checkstring(L, 2)) != ids.end());
  return 1;
}
int scope_with(lua_State* L) {
  auto ids = scope_ids(L, 1);
  std::string id = luaL_checkstring(L, 2);
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  push_scope(L, ids);
  return 1;
}
int scope_without(lua_State* L) {
  auto ids = scope_ids(L, 1);
  std::string id = luaL_checkstring(L, 2);
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  push_scope(L, ids);
  return 1;
}
int scope_evaluate(lua_State* L) {
  auto ids = scope_ids(L, 1);
  sched::Actor actor = actor_from(L, 2);
  core::Value meta = core::Value::map();
  if (!lua_isnoneornil(L, 5)) {
    auto m = to_value(L, 5, "meta");
    if (m && m->is_map()) meta = *m;
  }
  lua_pushstring(L, sched::decision_name(
                        policies(L)->evaluate(ids, actor, luaL_checkstring(L, 3), luaL_checkstring(L, 4), meta)));
  return 1;
}

int sec_actor(lua_State* L) {
  const sched::CallContext* c = ctx_of(L);
  if (!c || !c->actor) return lua_pushnil(L), 1;
  push_actor(L, *c->actor);
  return 1;
}

int sec_scope(lua_State* L) {
  const sched::CallContext* c = ctx_of(L);
  if (!c || !c->scope) return lua_pushnil(L), 1;
  push_scope(L, *c->scope);
  return 1;
}

// can(): the strict check (false when the actor or the scope is missing), as the reference.
int sec_can(lua_State* L) {
  const sched::CallContext* c = ctx_of(L);
  const char* action = luaL_checkstring(L, 1);
  const char* resource = luaL_checkstring(L, 2);
  core::Value meta = core::Value::map();
  if (!lua_isnoneornil(L, 3)) {
    auto m = to_value(L, 3, "meta");
    if (m && m->is_map()) meta = *m;
  }
  bool ok = c && c->actor && c->scope &&
            policies(L)->evaluate(*c->scope, *c->actor, action, resource, meta) == sched::Decision::Allow;
  lua_pushboolean(L, ok);
  return 1;
}

int sec_new_actor(lua_State* L) {
  const char* id = luaL_checkstring(L, 1);
  core::Value meta = core::Value::map();
  if (!lua_isnoneornil(L, 2)) {
    auto m = to_value(L, 2, "meta");
    if (m && m->is_map()) meta = *m;
  }
  const sched::CallContext* c = ctx_of(L);
  if (c && !policies(L)->allowed(*c, "security.actor.create", id)) {
    return push_nil_error(L, core::permission_denied(fmt::format("not allowed: {}", id)));
  }
  push_actor(L, sched::Actor{id, meta});
  return 1;
}

int sec_new_scope(lua_State* L) {
  const sched::CallContext* c = ctx_of(L);
  if (c && !policies(L)->allowed(*c, "security.scope.create", "custom")) {
    return push_nil_error(L, core::permission_denied("not allowed: custom"));
  }
  std::vector<std::string> ids;
  if (!lua_isnoneornil(L, 1)) ids = scope_ids(L, 1);
  for (const auto& id : ids) {
    if (!policies(L)->find(id)) return push_nil_error(L, core::not_found(fmt::format("policy not found: {}", id)));
  }
  push_scope(L, ids);
  return 1;
}

int sec_policy(lua_State* L) {
  const char* id = luaL_checkstring(L, 1);
  const sched::Policy* p = policies(L)->find(id);
  if (!p) return push_nil_error(L, core::not_found(fmt::format("policy not found: {}", id)));
  core::Array actions, resources;
  for (const auto& a : p->actions) actions.emplace_back(a);
  for (const auto& r : p->resources) resources.emplace_back(r);
  push_value(L, core::Value(core::Map{{"id", core::Value(p->id)},
                                      {"actions", core::Value(std::move(actions))},
                                      {"resources", core::Value(std::move(resources))},
                                      {"effect", core::Value(p->allow ? "allow" : "deny")}}));
  return 1;
}

}  // namespace

int open_security(lua_State* L) {
  static const luaL_Reg actor_methods[] = {{"id", actor_id}, {"meta", actor_meta}, {nullptr, nullptr}};
  static const luaL_Reg scope_methods[] = {{"policies", scope_policies}, {"contains", scope_contains},
                                           {"with", scope_with},         {"without", scope_without},
                                           {"evaluate", scope_evaluate}, {nullptr, nullptr}};
  define_class(L, kActorClass, actor_methods, destroy_udata<sched::Actor>);
  // A scope is a table of policy ids with a method table as __index (scope[1] stays readable).
  luaL_newmetatable(L, "wirt.scope");
  luaL_newlib(L, scope_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  static const luaL_Reg funcs[] = {{"actor", sec_actor},         {"scope", sec_scope},         {"can", sec_can},
                                   {"new_actor", sec_new_actor}, {"new_scope", sec_new_scope}, {"policy", sec_policy},
                                   {nullptr, nullptr}};
  luaL_newlib(L, funcs);
  return 1;
}

}  // namespace wirt::lua

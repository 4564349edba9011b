// The `env` module (runtime/lua/modules/env/spec.md): get, set and get_all over the app's
// env.variable entries (host/env_registry.h). A name resolves as `wasi.env` does (public name,
// entry id, or a bare name in the calling function's namespace); `get` applies the variable's
// `default`. Each access is checked against the caller's security context with the reference's
// actions and messages: `env.get` / `env.set` on the variable name.
//
// Unlike the reference, get_all() lists only the declared env.variable entries, never the
// whole process environment behind an env.storage.os (a guessable leak of host secrets).
#include <fmt/format.h>

#include "host/env_registry.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/runtime.h"

namespace wirt::lua {

namespace {

const sched::CallContext* context(lua_State* L) { return static_cast<const sched::CallContext*>(state_env(L)->call); }

std::string caller_namespace(const sched::CallContext& ctx) {
  size_t colon = ctx.frame_id.find(':');
  return colon == std::string::npos ? std::string() : ctx.frame_id.substr(0, colon);
}

// Shared preamble of get/set: context, key, permission, registry. Returns nullptr after
// pushing `nil, err`.
const host::EnvRegistry* prepare(lua_State* L, const char* action, const char* denied, std::string* key) {
  const sched::CallContext* ctx = context(L);
  if (!ctx) {
    push_nil_error(L, core::internal("no context found").with_retryable(false));
    return nullptr;
  }
  *key = luaL_checkstring(L, 1);
  if (key->empty()) {
    push_nil_error(L, core::invalid("empty key").with_retryable(false));
    return nullptr;
  }
  LuaRuntime* rt = state_env(L)->runtime;
  if (!rt->policies()->allowed(*ctx, action, *key)) {
    push_nil_error(L, core::permission_denied(denied + *key).with_retryable(false));
    return nullptr;
  }
  const host::EnvRegistry* reg = rt->env_registry();
  if (!reg) push_nil_error(L, core::internal("environment registry not found").with_retryable(false));
  return reg;
}

int env_get(lua_State* L) {
  std::string key;
  const host::EnvRegistry* reg = prepare(L, "env.get", "not allowed to access environment variable: ", &key);
  if (!reg) return 2;
  auto v = reg->get(key, caller_namespace(*context(L)));
  if (!v) return push_nil_error(L, std::move(v).error().wrap("get environment variable failed"));
  lua_pushlstring(L, v->data(), v->size());
  return 1;
}

int env_set(lua_State* L) {
  luaL_checkstring(L, 2);
  std::string key;
  const host::EnvRegistry* reg = prepare(L, "env.set", "not allowed to set environment variable: ", &key);
  if (!reg) return 2;
  auto st = reg->set(key, lua_tostring(L, 2), caller_namespace(*context(L)));
  if (!st) return push_nil_error(L, std::move(st).error().wrap("set environment variable failed"));
  lua_pushboolean(L, 1);
  return 1;
}

int env_get_all(lua_State* L) {
  const sched::CallContext* ctx = context(L);
  if (!ctx) return push_nil_error(L, core::internal("no context found").with_retryable(false));
  LuaRuntime* rt = state_env(L)->runtime;
  const host::EnvRegistry* reg = rt->env_registry();
  if (!reg) return push_nil_error(L, core::internal("environment registry not found").with_retryable(false));
  lua_newtable(L);
  for (const auto& [name, value] : reg->all()) {
    if (!rt->policies()->allowed(*ctx, "env.get", name)) continue;
    lua_pushlstring(L, value.data(), value.size());
    lua_setfield(L, -2, name.c_str());
  }
  return 1;
}

}  // namespace

int open_env(lua_State* L) {
  static const luaL_Reg funcs[] = {{"get", env_get}, {"set", env_set}, {"get_all", env_get_all}, {nullptr, nullptr}};
  luaL_newlib(L, funcs);
  return 1;
}

}  // namespace wirt::lua

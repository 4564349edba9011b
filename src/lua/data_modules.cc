// The `json` and `ctx` modules (reference-platform §3).
#include "core/json.h"
#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "sched/call_context.h"

namespace wirt::lua {

namespace {

int json_encode(lua_State* L) {
  auto v = to_value(L, 1, "value");
  if (!v) return push_nil_error(L, std::move(v).error());
  std::string s = core::to_json(*v);
  lua_pushlstring(L, s.data(), s.size());
  return 1;
}

int json_decode(lua_State* L) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  auto v = core::from_json(std::string_view(s, len));
  if (!v) return push_nil_error(L, std::move(v).error());
  push_value(L, *v);
  return 1;
}

const sched::CallContext* call_context(lua_State* L) {
  return static_cast<const sched::CallContext*>(state_env(L)->call);
}

int ctx_get(lua_State* L) {
  size_t len;
  const char* key = luaL_checklstring(L, 1, &len);
  if (len == 0) return push_nil_error(L, core::invalid("context key required"));
  const sched::CallContext* c = call_context(L);
  if (!c) return push_nil_error(L, core::internal("no context"));
  const core::Value* v = c->values.find(std::string_view(key, len));
  if (!v) return push_nil_error(L, core::not_found(std::string("context value not found: ") + key));
  push_value(L, *v);
  return 1;
}

int ctx_all(lua_State* L) {
  const sched::CallContext* c = call_context(L);
  if (!c) return push_nil_error(L, core::internal("no context"));
  push_value(L, c->values);
  return 1;
}

}  // namespace

int open_json(lua_State* L) {
  static const luaL_Reg funcs[] = {{"encode", json_encode}, {"decode", json_decode}, {nullptr, nullptr}};
  luaL_newlib(L, funcs);
  return 1;
}

int open_ctx(lua_State* L) {
  static const luaL_Reg funcs[] = {{"get", ctx_get}, {"all", ctx_all}, {nullptr, nullptr}};
  luaL_newlib(L, funcs);
  return 1;
}

// The modules that are always globals (process, channel, errors) may also be listed in
// `modules:` under the reference's names: require() then returns that same global table.
namespace {
int open_process_global(lua_State* L) { return lua_getglobal(L, "process"), 1; }
int open_channel_global(lua_State* L) { return lua_getglobal(L, "channel"), 1; }
int open_errors_global(lua_State* L) { return lua_getglobal(L, "errors"), 1; }
}  // namespace

const BuiltinModule* builtin_modules() {
  static const BuiltinModule kModules[] = {
      {"funcs", open_funcs}, {"time", open_time}, {"json", open_json}, {"ctx", open_ctx}, {"security", open_security},
      {"http", open_http}, {"http_client", open_http_client}, {"env", open_env}, {"fs", open_fs},
      {"logger", open_logger}, {"registry", open_registry},
      {"process", open_process_global}, {"channel", open_channel_global}, {"errors", open_errors_global},
      {nullptr, nullptr},
  };
  return kModules;
}

}  // namespace wirt::lua

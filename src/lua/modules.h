// Built-in Lua modules that `modules:` may list. Each opener pushes the module table.
#pragma once

#include <optional>

#include "lua/lua.h"
#include "sched/call_context.h"

namespace wirt::lua {

struct BuiltinModule {
  const char* name;
  lua_CFunction open;
};

int open_funcs(lua_State* L);
int open_time(lua_State* L);
int open_json(lua_State* L);
int open_ctx(lua_State* L);
int open_security(lua_State* L);
int open_http(lua_State* L);
int open_http_client(lua_State* L);
int open_env(lua_State* L);
int open_fs(lua_State* L);
int open_logger(lua_State* L);
int open_registry(lua_State* L);
// Adds timer() and ticker() to the time table on top of the stack (time_timers.cc).
void add_time_timers(lua_State* L);

// An Actor object or a {id=, meta=} table; nullopt when it is neither.
std::optional<sched::Actor> to_actor(lua_State* L, int idx);
// A scope given as a list of policy ids (an empty table is an empty scope); nullopt when the
// value at idx is anything else (with_scope of funcs executors and process spawners).
std::optional<std::vector<std::string>> to_policy_list(lua_State* L, int idx);

// The modules wirt provides, in a fixed order.
const BuiltinModule* builtin_modules();

}  // namespace wirt::lua

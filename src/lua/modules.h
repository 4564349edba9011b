// Built-in Lua modules that `modules:` may list. Each opener pushes the module table.
#pragma once

#include "lua/lua.h"

namespace wirt::lua {

struct BuiltinModule {
  const char* name;
  lua_CFunction open;
};

int open_funcs(lua_State* L);
int open_time(lua_State* L);
int open_json(lua_State* L);
int open_ctx(lua_State* L);

// The modules wirt provides, in a fixed order.
const BuiltinModule* builtin_modules();

}  // namespace wirt::lua

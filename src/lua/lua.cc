#include "lua/lua.h"

#include <cmath>

namespace wirt::lua {

void define_class(lua_State* L, const char* name, const luaL_Reg* methods, lua_CFunction gc) {
  luaL_newmetatable(L, name);
  if (methods) luaL_setfuncs(L, methods, 0);
  if (gc) {
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

core::Result<core::Nanos> to_duration(lua_State* L, int idx) {
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER: {
      if (lua_isinteger(L, idx)) return core::Nanos(lua_tointeger(L, idx));
      double d = lua_tonumber(L, idx);
      if (!std::isfinite(d)) return core::invalid("duration must be finite");
      return core::Nanos(static_cast<int64_t>(d));
    }
    case LUA_TSTRING: return core::parse_duration(lua_tostring(L, idx));
    default: return core::invalid(std::string("duration must be a number of nanoseconds or a string like \"5ms\", got ") +
                                  luaL_typename(L, idx));
  }
}

}  // namespace wirt::lua

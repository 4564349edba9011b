// Lua value <-> core::Value (reference-platform §7 "Value mapping", with DESIGN's choices):
//   nil, boolean, integer, float, string map directly; Bytes push as strings.
//   A table whose keys are exactly 1..n becomes an Array; any other table a Map with string
//   keys (integer keys are written in decimal); `{}` becomes an empty Map (typed consumers such
//   as the WIT lowering treat an empty Map as an empty list).
//   Error objects become {kind=..., message=...} maps; functions, threads and other userdata
//   cannot be converted (Invalid, naming the path, e.g. `arg 2.users[3]`).
#pragma once

#include <string>

#include "core/result.h"
#include "core/value.h"
#include "lua/lua.h"

namespace wirt::lua {

// Converts the Lua value at idx; `path` names it in errors ("arg 1"). Never raises a Lua error.
core::Result<core::Value> to_value(lua_State* L, int idx, const std::string& path);
// The common case of to_value without a Result: a nil, boolean, number or string at idx goes
// into *out and true is returned; anything else returns false and leaves *out alone (call
// to_value for it). Inline: arguments and results of most calls are scalars.
inline bool to_scalar(lua_State* L, int idx, core::Value* out) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL: *out = core::Value(); return true;
    case LUA_TBOOLEAN: *out = core::Value(static_cast<bool>(lua_toboolean(L, idx))); return true;
    case LUA_TNUMBER:
      *out = lua_isinteger(L, idx) ? core::Value(static_cast<int64_t>(lua_tointeger(L, idx)))
                                   : core::Value(static_cast<double>(lua_tonumber(L, idx)));
      return true;
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, idx, &len);
      *out = core::Value(std::string(s, len));
      return true;
    }
    default: return false;
  }
}
// The same for an argument list: appends the scalar at idx to `out`, constructed in place (no
// temporary Value to move and destroy), or returns false and appends nothing.
inline bool append_scalar(lua_State* L, int idx, core::Array& out) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL: out.emplace_back(); return true;
    case LUA_TBOOLEAN: out.emplace_back(static_cast<bool>(lua_toboolean(L, idx))); return true;
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        out.emplace_back(static_cast<int64_t>(lua_tointeger(L, idx)));
      } else {
        out.emplace_back(static_cast<double>(lua_tonumber(L, idx)));
      }
      return true;
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, idx, &len);
      out.emplace_back(std::string(s, len));
      return true;
    }
    default: return false;
  }
}
// Pushes v onto the stack (uses at most a few stack slots per nesting level).
void push_value(lua_State* L, const core::Value& v);
// push_value for a caller that knows a slot is free (a C function's first pushes: Lua
// guarantees LUA_MINSTACK): scalars are pushed inline, without the stack check.
inline void push_value_in_free_slot(lua_State* L, const core::Value& v) {
  switch (v.type()) {
    case core::Value::Type::Nil: lua_pushnil(L); return;
    case core::Value::Type::Bool: lua_pushboolean(L, v.as_bool()); return;
    case core::Value::Type::Int: lua_pushinteger(L, v.as_int()); return;
    case core::Value::Type::Float: lua_pushnumber(L, v.as_float()); return;
    default: push_value(L, v);
  }
}

}  // namespace wirt::lua

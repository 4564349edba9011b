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
// Pushes v onto the stack (uses at most a few stack slots per nesting level).
void push_value(lua_State* L, const core::Value& v);

}  // namespace wirt::lua

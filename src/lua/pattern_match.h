// string.find / match / gmatch / gsub that end at the call's deadline (pattern_match.cc).
// Thread safety: per state, like every Lua function.
#pragma once

#include "lua/lua.h"

namespace wirt::lua {

// Replaces the four pattern functions of the state's `string` table (and so its string
// methods) with the deadline-bounded copies.
void open_bounded_patterns(lua_State* L);

}  // namespace wirt::lua

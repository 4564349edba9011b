// Per-call cleanup of Lua objects that hold host resources (open files, running timers and
// tickers): the reference closes files and stops timers when the invocation that made them
// returns (fs/spec.md "Files are automatically closed on function return"; time/spec.md
// "Automatic cleanup on process exit"). A state is reused by later calls, so waiting for the
// garbage collector would keep descriptors and tickers alive for an unbounded time.
//
// Objects register themselves with a cleanup function; LuaRuntime::call runs them all when the
// call returns. Single-threaded: a state is used by one call at a time.
#pragma once

#include "lua/lua.h"

namespace wirt::lua {

// Remembers the userdata at `idx`: `cleanup(L)` is called with it as argument 1 when the
// current call ends (it must tolerate being called after an explicit close/stop).
void register_call_cleanup(lua_State* L, int idx, lua_CFunction cleanup);
// Runs and forgets every registered cleanup (errors inside one are ignored).
void run_call_cleanups(lua_State* L);

}  // namespace wirt::lua

// Hard limits of a Lua state: its deadline, its memory, and the rule that neither can be
// caught.
//
// - Deadline: a count hook checks the call's deadline every kHookInstructions VM instructions.
//   Once it has passed the state is doomed: the hook fires on every instruction and raises
//   Timeout, and pcall / xpcall / coroutine.resume re-raise it after the protected code
//   unwinds, so `while true do pcall(loop) end` still ends at the deadline.
// - Memory: every state allocates through a counting lua_Alloc with a per-state cap
//   (function.lua `limits.max_memory_mb`, default kDefaultMemoryLimit). Past it allocations
//   fail ("not enough memory"), the state is doomed, and the same wrappers re-raise.
// A doomed state is discarded after its call (LuaRuntime::release), never reused.
//
// Thread safety: a state is used by one call at a time; these functions touch only it.
#pragma once

#include <cstddef>

#include "lua/lua.h"
#include "sched/scheduler.h"

namespace wirt::lua {

inline constexpr size_t kDefaultMemoryLimit = size_t(256) << 20;
// How often (in VM instructions) a running Lua call checks its deadline.
inline constexpr int kHookInstructions = 10000;

// A new state allocating through the counting allocator, capped at `limit_bytes`. Close it
// with close_state (which frees the counter too). nullptr when even that fails.
lua_State* new_capped_state(size_t limit_bytes);
void close_state(lua_State* L);

// True once the state timed out or a memory error reached its code.
bool doomed(lua_State* L);
// Records a memory error seen by the embedder (a call ending with LUA_ERRMEM).
void mark_out_of_memory(lua_State* L);
size_t memory_limit(lua_State* L);

// The deadline of the call using the state (what every blocking module function waits for
// at most), and the error a wait that reached it raises (dooming the state like the hook).
sched::Deadline call_deadline(lua_State* L);
[[noreturn]] void raise_timeout(lua_State* L);

// Installs the deadline hook (reading StateEnv::call's deadline), replaces pcall, xpcall and
// coroutine.resume with wrappers that re-raise once the state is doomed, and the pattern
// functions with deadline-bounded ones (pattern_match.h). string.rep and table.concat are
// bounded by the memory cap.
void install_limits(lua_State* L);

}  // namespace wirt::lua

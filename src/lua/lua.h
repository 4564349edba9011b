// Lua 5.4 headers (built as C++, so lua_error unwinds with exceptions and runs destructors of
// RAII objects in our lua_CFunctions) plus small helpers shared by the module files.
#pragma once

// Debian's liblua5.4-c++ is compiled as C++ (errors throw) but keeps C linkage for the API.
extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include <new>
#include <string_view>
#include <utility>

#include "core/duration.h"
#include "core/result.h"

namespace wirt::lua {

class LuaRuntime;
struct LuaUnit;

// Per-state data reachable from every lua_CFunction through the state's extra space.
// `call` points at the context of the invocation currently using the state.
struct StateEnv {
  LuaRuntime* runtime = nullptr;
  const LuaUnit* unit = nullptr;
  const void* call = nullptr;  // const sched::CallContext*; set for the duration of a call
  // What the end of a call must undo, flagged where it is set up so that the common call —
  // which set up nothing — ends without looking anything up in the Lua registry (a string
  // lookup each: issue 11 "a lean call path").
  bool call_cleanups = false;  // register_call_cleanup ran (lua/call_cleanup.h)
  bool call_process = false;   // the call took a pid (process_module.cc self_pid)
  int method_ref = LUA_NOREF;  // registry ref of the unit's method in a function state
};

inline StateEnv* state_env(lua_State* L) { return *static_cast<StateEnv**>(lua_getextraspace(L)); }

// Creates a full userdata holding a T constructed from args, with metatable `mt` (which must
// have __gc calling destroy_udata<T>).
template <typename T, typename... Args>
T* new_udata(lua_State* L, const char* mt, Args&&... args) {
  void* mem = lua_newuserdatauv(L, sizeof(T), 0);
  T* obj = new (mem) T(std::forward<Args>(args)...);
  luaL_setmetatable(L, mt);
  return obj;
}

template <typename T>
int destroy_udata(lua_State* L) {
  static_cast<T*>(lua_touserdata(L, 1))->~T();
  return 0;
}

template <typename T>
T* check_udata(lua_State* L, int idx, const char* mt) {
  return static_cast<T*>(luaL_checkudata(L, idx, mt));
}

template <typename T>
T* test_udata(lua_State* L, int idx, const char* mt) {
  return static_cast<T*>(luaL_testudata(L, idx, mt));
}

// Creates metatable `name` with __gc, __index = itself, and the given methods.
void define_class(lua_State* L, const char* name, const luaL_Reg* methods, lua_CFunction gc);

// Reads a duration argument: integer/number = nanoseconds, string = Go duration ("5ms").
core::Result<core::Nanos> to_duration(lua_State* L, int idx);

}  // namespace wirt::lua

#include "lua/state_limits.h"
#include "sched/stop_signal.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "lua/error_object.h"
#include "lua/pattern_match.h"
#include "sched/call_context.h"

namespace wirt::lua {
namespace {

// Room above the cap once it was hit, so the error object reporting it can be allocated.
constexpr size_t kGrace = size_t(1) << 20;

struct MemoryCap {
  size_t used = 0;
  size_t limit = 0;
  bool exceeded = false;       // an allocation failed once (Lua's emergency GC may recover)
  bool out_of_memory = false;  // a memory error reached Lua code: doomed
  bool timed_out = false;
};

MemoryCap* cap_of(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return static_cast<MemoryCap*>(ud);
}

void* capped_alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* cap = static_cast<MemoryCap*>(ud);
  size_t old = ptr ? osize : 0;  // without ptr, osize is a type tag
  if (nsize == 0) {
    std::free(ptr);
    cap->used -= old;
    return nullptr;
  }
  if (nsize > old) {
    size_t limit = cap->exceeded ? cap->limit + kGrace : cap->limit;
    if (cap->used - old + nsize > limit) {
      cap->exceeded = true;
      return nullptr;  // Lua raises "not enough memory"
    }
  }
  void* p = std::realloc(ptr, nsize);
  if (p) cap->used = cap->used - old + nsize;
  return p;
}

[[noreturn]] void raise_doomed(lua_State* L) {
  MemoryCap* cap = cap_of(L);
  if (cap->timed_out && sched::this_fiber::stop_requested()) raise_error(L, core::canceled("process terminated"));
  if (cap->timed_out) raise_error(L, core::timeout("execution time limit exceeded"));
  raise_error(L, core::internal(fmt::format("Lua state out of memory (more than {} MiB; limits.max_memory_mb)",
                                            cap->limit >> 20)));
}

void deadline_hook(lua_State* L, lua_Debug*) {
  MemoryCap* cap = cap_of(L);
  if (!cap->timed_out) {
    const auto* ctx = static_cast<const sched::CallContext*>(state_env(L)->call);
    // A terminated process (sched/stop_signal.h) ends as a call past its deadline does.
    bool stopped = sched::this_fiber::stop_requested();
    if (!stopped && (!ctx || !ctx->deadline || sched::CallContext::Clock::now() < *ctx->deadline)) return;
    cap->timed_out = true;
  }
  // From now on every instruction of this coroutine raises again (error handlers included).
  lua_sethook(L, deadline_hook, LUA_MASKCOUNT, 1);
  raise_doomed(L);
}

// pcall / xpcall / coroutine.resume: the original (upvalue 1) runs the protected code; a
// doomed state's error passes through instead of being returned.
int after_protected(lua_State* L, int, lua_KContext) {
  // A memory error comes back as (false, "not enough memory"): message handlers do not run
  // for it, so xpcall and coroutine.resume return the same.
  if (lua_gettop(L) >= 2 && lua_type(L, 1) == LUA_TBOOLEAN && !lua_toboolean(L, 1) &&
      lua_type(L, 2) == LUA_TSTRING && std::strcmp(lua_tostring(L, 2), "not enough memory") == 0)
    cap_of(L)->out_of_memory = true;
  if (doomed(L)) raise_doomed(L);
  return lua_gettop(L);
}

int protected_wrapper(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  // lua_callk: code inside pcall may still yield (coroutines), resuming in after_protected.
  lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, after_protected);
  return after_protected(L, LUA_OK, 0);
}

void wrap(lua_State* L, int table_idx, const char* name) {
  lua_getfield(L, table_idx, name);
  lua_pushcclosure(L, protected_wrapper, 1);
  lua_setfield(L, table_idx, name);
}

}  // namespace

lua_State* new_capped_state(size_t limit_bytes) {
  auto* cap = new MemoryCap;
  cap->limit = limit_bytes;
  lua_State* L = lua_newstate(capped_alloc, cap);
  if (!L) {
    delete cap;
    return nullptr;
  }
  // luaL_newstate's panic handler (prints and aborts) for errors outside any pcall.
  lua_atpanic(L, [](lua_State* s) -> int {
    std::fprintf(stderr, "wirt: fatal: unprotected Lua error: %s\n", lua_tostring(s, -1));
    return 0;
  });
  return L;
}

void close_state(lua_State* L) {
  MemoryCap* cap = cap_of(L);
  lua_close(L);
  delete cap;
}

bool doomed(lua_State* L) {
  MemoryCap* cap = cap_of(L);
  return cap->timed_out || cap->out_of_memory;
}

void mark_out_of_memory(lua_State* L) { cap_of(L)->out_of_memory = true; }

size_t memory_limit(lua_State* L) { return cap_of(L)->limit; }

sched::Deadline call_deadline(lua_State* L) {
  const auto* ctx = static_cast<const sched::CallContext*>(state_env(L)->call);
  if (!ctx) return std::nullopt;
  return ctx->deadline;
}

void raise_timeout(lua_State* L) {
  cap_of(L)->timed_out = true;
  raise_doomed(L);
}

void install_limits(lua_State* L) {
  lua_sethook(L, deadline_hook, LUA_MASKCOUNT, kHookInstructions);
  lua_pushglobaltable(L);
  int g = lua_gettop(L);
  wrap(L, g, "pcall");
  wrap(L, g, "xpcall");
  lua_getfield(L, g, "coroutine");
  if (lua_istable(L, -1)) wrap(L, lua_gettop(L), "resume");
  lua_pop(L, 2);
  open_bounded_patterns(L);
}

}  // namespace wirt::lua

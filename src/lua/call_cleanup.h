// Per-call cleanup of Lua objects that hold host resources (open files, running timers and
// tickers): the reference closes files and stops timers when the invocation that made them
// returns (fs/spec.md "Files are automatically closed on function return"; time/spec.md
// "Automatic cleanup on process exit"). A state is reused by later calls, so waiting for the
// garbage collector would keep descriptors and tickers alive for an unbounded time.
//
// Objects register themselves with a cleanup function; LuaRuntime::call runs them all when the
// call returns. The state must have a StateEnv (lua.h; every runtime state has): it flags that
// there is something to run, so a call that registered nothing ends without a registry
// lookup. Single-threaded: a state is used by one call at a time.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include "lua/lua.h"

namespace wirt::lua {

// Remembers the userdata at `idx`: `cleanup(L)` is called with it as argument 1 when the
// current call ends (it must tolerate being called after an explicit close/stop).
void register_call_cleanup(lua_State* L, int idx, lua_CFunction cleanup);
// Runs and forgets every registered cleanup (errors inside one are ignored).
void run_call_cleanups(lua_State* L);

// How many host resources of one kind (open files, running timers) a Lua state may hold at
// once: a script looping over fs:open or time.ticker must not exhaust the process's
// descriptors, or memory outside its capped Lua heap. Shared by the resources it counts
// (each releases its unit once, when closed or stopped, on whatever thread); thread-safe.
class ResourceBudget {
 public:
  explicit ResourceBudget(size_t max) : max_(max) {}
  bool acquire() {
    size_t n = used_.load();
    do {
      if (n >= max_) return false;
    } while (!used_.compare_exchange_weak(n, n + 1));
    return true;
  }
  void release() { used_.fetch_sub(1); }
  size_t max() const { return max_; }

 private:
  const size_t max_;
  std::atomic<size_t> used_{0};
};

// The state's budget for `kind` (made with `max` on first use; a static string).
std::shared_ptr<ResourceBudget> resource_budget(lua_State* L, const char* kind, size_t max);

}  // namespace wirt::lua

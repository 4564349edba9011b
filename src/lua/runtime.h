// wirt::lua::LuaRuntime — Lua units (function.lua, library.lua entries) and their state pools.
//
// Each function entry keeps a pool of sandboxed lua_States with its chunk loaded; a call takes
// a state, runs `method` on the caller's fiber (where blocking module functions suspend the
// fiber, not the thread), and returns the state. A state is used by one call at a time.
// Units are added during boot (single-threaded); calls afterwards are concurrent.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "lua/lua.h"
#include "lua/state_limits.h"
#include "sched/functions.h"
#include "sched/processes.h"
#include "sched/security.h"
#include "sched/scheduler.h"

namespace wirt::host {
class EnvRegistry;
class FsRegistry;
}  // namespace wirt::host

namespace wirt::registry {
class Store;
class Writer;
}  // namespace wirt::registry

namespace wirt::lua {

struct LuaUnit {
  std::string id;        // registry id, "ns:name"
  std::string kind;      // function.lua | library.lua
  std::string source;    // Lua text
  std::string chunkname; // "@<file>" for messages
  std::string method;    // function.lua only
  std::vector<std::string> modules;                  // allowed built-in modules
  std::vector<std::pair<std::string, std::string>> imports;  // alias -> unit id
  size_t memory_limit = kDefaultMemoryLimit;  // bytes per state (limits.max_memory_mb)
};

// Longest a chunk's top level may run when a state is created (less when the caller's
// deadline is nearer).
inline constexpr std::chrono::seconds kChunkLoadLimit{10};

class LuaRuntime {
 public:
  LuaRuntime(sched::Scheduler* scheduler, const sched::FunctionTable* functions);
  ~LuaRuntime();

  // Validates and adds a unit: modules known, chunk compiles. Imports are checked by link().
  core::Status add(LuaUnit unit);
  // Checks every unit's imports point at Lua units and builds the transitive module lists.
  core::Status link();
  // Loads one state of a function unit and checks that `method` is a function (boot-time check).
  core::Status verify(const std::string& id);
  // A unit's states and chunk. Opaque outside the runtime; lives as long as the runtime.
  struct Pool;
  // The unit `id`, resolved once (at registration) so calls skip the lookup; nullptr if absent.
  Pool* function(const std::string& id) const;
  // Calls function unit `id` (or the resolved `pool`) on the current fiber.
  core::Result<core::Value> call(const std::string& id, const sched::CallContext& ctx, const core::Array& args);
  core::Result<core::Value> call(Pool& pool, const sched::CallContext& ctx, const core::Array& args);

  sched::Scheduler* scheduler() const { return scheduler_; }
  // Processes spawned from Lua run here (set once at boot; may be null in tests).
  void set_processes(sched::ProcessTable* p) { processes_ = p; }
  sched::ProcessTable* processes() const { return processes_; }
  // Policies for permission checks (set once at boot; never null after).
  void set_policies(const sched::Policies* p) { policies_ = p; }
  const sched::Policies* policies() const { return policies_; }
  // The app's env.variable and fs.directory entries for the `env` and `fs` modules (set once
  // at boot; null in tests that have none: those modules then report Internal errors).
  void set_host_registries(const host::EnvRegistry* env, const host::FsRegistry* fs) {
    env_ = env;
    fs_ = fs;
  }
  // The app's entries for the `registry` module, and what applies its changesets (set at boot
  // before any call, and on each reload generation's runtime; both outlive every runtime; null
  // in tests without an app, and the writer while the app boots: the module's functions then
  // report Internal errors).
  void set_entry_store(const registry::Store* store, registry::Writer* writer) {
    store_ = store;
    writer_ = writer;
  }
  const registry::Store* entry_store() const { return store_; }
  registry::Writer* entry_writer() const { return writer_; }
  const host::EnvRegistry* env_registry() const { return env_; }
  const host::FsRegistry* fs_registry() const { return fs_; }
  const sched::FunctionTable* functions() const { return functions_; }
  const LuaUnit* unit(const std::string& id) const;
  // The compiled chunk of unit `id` (a Lua binary chunk), or nullptr.
  const std::string* bytecode(const std::string& id) const;

  // Names accepted in `modules:`.
  static const std::vector<std::string>& known_modules();

 private:
  // An idle state, or a new one with its chunk run (bounded by kChunkLoadLimit and `caller`'s
  // deadline; caller may be null at boot).
  core::Result<lua_State*> acquire(Pool& pool, const sched::CallContext* caller);
  void release(Pool& pool, lua_State* L, bool healthy);
  core::Result<lua_State*> new_state(const LuaUnit& unit);

  sched::Scheduler* scheduler_;
  const sched::FunctionTable* functions_;
  sched::ProcessTable* processes_ = nullptr;
  const sched::Policies* policies_ = nullptr;
  const host::EnvRegistry* env_ = nullptr;
  const host::FsRegistry* fs_ = nullptr;
  const registry::Store* store_ = nullptr;
  registry::Writer* writer_ = nullptr;
  std::map<std::string, std::unique_ptr<Pool>> pools_;
};

}  // namespace wirt::lua

#include "lua/runtime.h"

#include <algorithm>
#include <chrono>
#include <set>

#include <fmt/format.h>

#include "core/log.h"
#include "core/spin_lock.h"
#include "lua/call_cleanup.h"
#include "lua/channel_module.h"
#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/modules.h"
#include "lua/process_module.h"
#include "lua/state_limits.h"

namespace wirt::lua {

namespace {

constexpr const char* kImportsCache = "wirt.imports";
constexpr const char* kEnvKey = "wirt.env";
constexpr const char* kModulesKey = "wirt.modules";
// Idle states kept per function: enough to absorb a burst of concurrent calls without
// rebuilding states, bounded so an idle app does not hold memory forever (~20 KB each).
constexpr size_t kMaxIdleStates = 256;

// print → the log at info level, prefixed with the function being run.
int lua_print(lua_State* L) {
  std::string line;
  int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    if (i > 1) line += '\t';
    size_t len;
    const char* s = luaL_tolstring(L, i, &len);
    line.append(s, len);
    lua_pop(L, 1);
  }
  const StateEnv* env = state_env(L);
  core::log_info("[{}] {}", env->unit ? env->unit->id : "lua", line);
  return 0;
}

// load() restricted to text chunks: binary chunks can break the VM's safety guarantees.
int lua_load_text(lua_State* L) {
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  if (n >= 2) lua_pushvalue(L, 2); else lua_pushnil(L);
  lua_pushliteral(L, "t");
  int nargs = 3;
  if (n >= 4) {  // keep "env given" distinct from "env absent" (load treats them differently)
    lua_pushvalue(L, 4);
    nargs = 4;
  }
  lua_call(L, nargs, LUA_MULTRET);
  return lua_gettop(L) - n;
}

// require(name): a pre-bound built-in module listed in `modules:`, or an `imports:` alias.
int lua_require(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, kModulesKey);  // set of allowed built-in names
  lua_getfield(L, -1, name);
  bool builtin = lua_toboolean(L, -1);
  lua_pop(L, 2);
  if (builtin) {
    lua_getglobal(L, name);
    return 1;
  }
  const StateEnv* env = state_env(L);
  LuaRuntime* rt = env->runtime;
  const LuaUnit* unit = env->unit;
  std::string target;
  for (const auto& [alias, id] : unit->imports)
    if (alias == name) target = id;
  if (target.empty()) return luaL_error(L, "module '%s' not found", name);
  lua_getfield(L, LUA_REGISTRYINDEX, kImportsCache);
  lua_getfield(L, -1, target.c_str());
  if (!lua_isnil(L, -1)) return 1;
  lua_pop(L, 1);
  const std::string* code = rt->bytecode(target);
  if (!code) return luaL_error(L, "module '%s' not found (import %s is not a Lua entry)", name, target.c_str());
  if (luaL_loadbufferx(L, code->data(), code->size(), target.c_str(), "b") != LUA_OK) return lua_error(L);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, target.c_str());
  return 1;
}

void open_sandbox(lua_State* L) {
  static const luaL_Reg libs[] = {
      {LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
      {LUA_MATHLIBNAME, luaopen_math}, {LUA_COLIBNAME, luaopen_coroutine}, {LUA_OSLIBNAME, luaopen_os},
  };
  for (const auto& lib : libs) {
    luaL_requiref(L, lib.name, lib.func, 1);
    lua_pop(L, 1);
  }
  // os: only time/clock/date/difftime (reference-platform §8).
  lua_getglobal(L, "os");
  for (const char* unsafe : {"execute", "exit", "getenv", "remove", "rename", "setlocale", "tmpname"}) {
    lua_pushnil(L);
    lua_setfield(L, -2, unsafe);
  }
  lua_pop(L, 1);
  for (const char* unsafe : {"dofile", "loadfile"}) {
    lua_pushnil(L);
    lua_setglobal(L, unsafe);
  }
  lua_getglobal(L, "load");
  lua_pushcclosure(L, lua_load_text, 1);
  lua_pushvalue(L, -1);
  lua_setglobal(L, "load");
  lua_setglobal(L, "loadstring");  // 5.1-ism of the reference dialect
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "unpack");
  lua_setglobal(L, "unpack");  // 5.1-ism of the reference dialect
  lua_pop(L, 1);
  lua_pushcfunction(L, lua_print);
  lua_setglobal(L, "print");
  lua_pushcfunction(L, lua_require);
  lua_setglobal(L, "require");
  open_errors(L);
  open_channel(L);
  open_process(L);
}

}  // namespace

struct LuaRuntime::Pool {
  LuaUnit unit;
  std::vector<std::string> all_modules;  // own + transitive imports' modules
  std::string bytecode;                  // the unit's chunk, compiled once at add()
  core::SpinLock mu;  // guards `idle`: a push or a pop per call
  std::vector<lua_State*> idle;
  int method_ref = LUA_NOREF;
};

LuaRuntime::LuaRuntime(sched::Scheduler* scheduler, const sched::FunctionTable* functions)
    : scheduler_(scheduler), functions_(functions) {
  static const sched::Policies kNone;  // permissive until the app sets its own
  policies_ = &kNone;
}

LuaRuntime::~LuaRuntime() {
  for (auto& [id, pool] : pools_)
    for (lua_State* L : pool->idle) close_state(L);
}

const std::vector<std::string>& LuaRuntime::known_modules() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const BuiltinModule* m = builtin_modules(); m->name; ++m) v.emplace_back(m->name);
    return v;
  }();
  return names;
}

const std::string* LuaRuntime::bytecode(const std::string& id) const {
  auto it = pools_.find(id);
  return it == pools_.end() ? nullptr : &it->second->bytecode;
}

const LuaUnit* LuaRuntime::unit(const std::string& id) const {
  auto it = pools_.find(id);
  return it == pools_.end() ? nullptr : &it->second->unit;
}

core::Status LuaRuntime::add(LuaUnit unit) {
  const auto& known = known_modules();
  for (const auto& m : unit.modules) {
    if (m.find(':') != std::string::npos) {
      return core::invalid(fmt::format("modules: '{}' is not a module name (registry ids go in imports:)", m));
    }
    if (std::find(known.begin(), known.end(), m) == known.end()) {
      return core::invalid(fmt::format("modules: unknown module '{}' (available: {})", m, fmt::join(known, ", ")));
    }
  }
  // Compile once now so that syntax errors fail the boot with their line, and keep the
  // bytecode (with debug info, for line numbers) so new states skip the parser.
  lua_State* L = luaL_newstate();
  int st = luaL_loadbufferx(L, unit.source.data(), unit.source.size(), unit.chunkname.c_str(), "t");
  std::string err = st == LUA_OK ? "" : lua_tostring(L, -1);
  std::string bytecode;
  if (st == LUA_OK) {
    lua_dump(L, [](lua_State*, const void* p, size_t n, void* out) {
      static_cast<std::string*>(out)->append(static_cast<const char*>(p), n);
      return 0;
    }, &bytecode, /*strip=*/0);
  }
  lua_close(L);
  if (st != LUA_OK) return core::invalid("Lua syntax error: " + err);
  auto pool = std::make_unique<Pool>();
  pool->bytecode = std::move(bytecode);
  pool->unit = std::move(unit);
  std::string id = pool->unit.id;
  pools_[id] = std::move(pool);
  return {};
}

core::Status LuaRuntime::link() {
  for (auto& [id, pool] : pools_) {
    std::set<std::string> modules(pool->unit.modules.begin(), pool->unit.modules.end());
    std::vector<std::string> stack{id};
    std::set<std::string> seen{id};
    while (!stack.empty()) {
      const LuaUnit* u = unit(stack.back());
      stack.pop_back();
      for (const auto& [alias, target] : u->imports) {
        const LuaUnit* dep = unit(target);
        if (!dep) {
          return core::invalid(fmt::format("entry {}: imports: '{}' = {} is not a function.lua or library.lua entry",
                                           u->id, alias, target));
        }
        modules.insert(dep->modules.begin(), dep->modules.end());
        if (seen.insert(target).second) stack.push_back(target);
      }
    }
    pool->all_modules.assign(modules.begin(), modules.end());
  }
  return {};
}

core::Result<lua_State*> LuaRuntime::new_state(const LuaUnit& unit) {
  lua_State* L = new_capped_state(unit.memory_limit);
  if (!L) return core::internal("cannot create Lua state");
  // StateEnv lives in a userdata anchored in the registry, so it is freed with the state
  // (it is trivially destructible: no __gc needed).
  auto* env = static_cast<StateEnv*>(lua_newuserdatauv(L, sizeof(StateEnv), 0));
  new (env) StateEnv{this, &unit, nullptr};
  lua_setfield(L, LUA_REGISTRYINDEX, kEnvKey);
  *static_cast<StateEnv**>(lua_getextraspace(L)) = env;

  const Pool& pool = *pools_.at(unit.id);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kImportsCache);
  auto setup = [&]() -> core::Status {
    open_sandbox(L);
    lua_newtable(L);
    for (const auto& m : pool.all_modules) {
      for (const BuiltinModule* b = builtin_modules(); b->name; ++b) {
        if (m != b->name) continue;
        luaL_requiref(L, b->name, b->open, 1);  // pre-bound as a global, as the reference does
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, b->name);
      }
    }
    lua_setfield(L, LUA_REGISTRYINDEX, kModulesKey);
    return {};
  };
  WIRT_TRY(setup());
  install_limits(L);
  return L;
}

core::Result<lua_State*> LuaRuntime::acquire(Pool& pool, const sched::CallContext* caller) {
  {
    std::lock_guard lock(pool.mu);
    if (!pool.idle.empty()) {
      lua_State* L = pool.idle.back();
      pool.idle.pop_back();
      return L;
    }
  }
  auto L = new_state(pool.unit);
  if (!L) return L;
  lua_State* s = *L;
  // Run the chunk: it returns a table of functions (or one function). Top-level code may use
  // blocking module functions, so this runs with a context like a call, under the deadline
  // hook: an endless loop at the top level ends with Timeout at the caller's deadline or after
  // kChunkLoadLimit (it used to hang `wirt check`, `wirt test` and every caller).
  sched::CallContext boot_ctx;
  boot_ctx.frame_id = pool.unit.id;
  boot_ctx.deadline = sched::CallContext::Clock::now() + kChunkLoadLimit;
  if (caller && caller->deadline && *caller->deadline < *boot_ctx.deadline) boot_ctx.deadline = caller->deadline;
  state_env(s)->call = &boot_ctx;
  // Our own dump of a chunk we compiled: the only binary chunk a state ever loads.
  int st = luaL_loadbufferx(s, pool.bytecode.data(), pool.bytecode.size(), pool.unit.chunkname.c_str(), "b");
  if (st == LUA_OK) st = lua_pcall(s, 0, 1, 0);
  state_env(s)->call = nullptr;
  if (st != LUA_OK) {
    core::Error e = error_from_lua(s, -1);
    close_state(s);
    return e.wrap(fmt::format("loading {}", pool.unit.id));
  }
  if (lua_isfunction(s, -1)) {
    // A chunk returning a function: that is the method.
  } else if (lua_istable(s, -1)) {
    lua_getfield(s, -1, pool.unit.method.c_str());
    if (!lua_isfunction(s, -1)) {
      std::vector<std::string> names;
      lua_pushnil(s);
      while (lua_next(s, -3) != 0) {
        if (lua_type(s, -2) == LUA_TSTRING && lua_isfunction(s, -1)) names.emplace_back(lua_tostring(s, -2));
        lua_pop(s, 1);
      }
      std::sort(names.begin(), names.end());
      close_state(s);
      return core::invalid(fmt::format("method '{}' not found in {} (exported functions: {})", pool.unit.method,
                                       pool.unit.id, names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    }
    lua_remove(s, -2);
  } else {
    std::string type = luaL_typename(s, -1);
    close_state(s);
    return core::invalid(fmt::format("{}: the chunk must return a table of functions or a function, got {}",
                                     pool.unit.id, type));
  }
  state_env(s)->method_ref = luaL_ref(s, LUA_REGISTRYINDEX);  // rawgeti per call, no string lookup
  return s;
}

void LuaRuntime::release(Pool& pool, lua_State* L, bool healthy) {
  lua_settop(L, 0);
  // A state that timed out or ran out of memory may hold anything half-done: never reuse it.
  if (healthy && !doomed(L)) {
    std::lock_guard lock(pool.mu);
    if (pool.idle.size() < kMaxIdleStates) {
      pool.idle.push_back(L);
      return;
    }
  }
  close_state(L);
}

core::Status LuaRuntime::verify(const std::string& id) {
  auto it = pools_.find(id);
  if (it == pools_.end()) return core::not_found("no Lua unit " + id);
  auto L = acquire(*it->second, nullptr);
  if (!L) return std::move(L).error();
  release(*it->second, *L, true);
  return {};
}

core::Result<core::Value> LuaRuntime::call(const std::string& id, const sched::CallContext& ctx, const core::Array& args) {
  Pool* pool = function(id);
  if (!pool) return core::not_found("no Lua function " + id);
  return call(*pool, ctx, args);
}

LuaRuntime::Pool* LuaRuntime::function(const std::string& id) const {
  auto it = pools_.find(id);
  return it == pools_.end() ? nullptr : it->second.get();
}

core::Result<core::Value> LuaRuntime::call(Pool& pool, const sched::CallContext& ctx, const core::Array& args) {
  auto acquired = acquire(pool, &ctx);
  if (!acquired) return std::move(acquired).error();
  lua_State* L = *acquired;
  state_env(L)->call = &ctx;
  // An idle state's stack is empty with LUA_MINSTACK (20) free slots: only long argument
  // lists need to grow it.
  if (args.size() + 4 > LUA_MINSTACK && !lua_checkstack(L, static_cast<int>(args.size()) + 4)) {
    release(pool, L, false);
    return core::invalid(fmt::format("too many arguments ({})", args.size()));
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, state_env(L)->method_ref);
  // Slots for the arguments were made sure of above.
  for (const auto& a : args) push_value_in_free_slot(L, a);
  int st = lua_pcall(L, static_cast<int>(args.size()), 2, 0);
  // Files and timers the call opened end with it (fs/spec.md, time/spec.md); they may still
  // need the call's context, so this runs before it is cleared.
  run_call_cleanups(L);
  state_env(L)->call = nullptr;
  end_call_process(L, processes_);
  if (st != LUA_OK) {
    core::Error e = error_from_lua(L, -1);
    if (st == LUA_ERRMEM) {
      mark_out_of_memory(L);
      e = core::internal(fmt::format("Lua state out of memory (more than {} MiB; limits.max_memory_mb)",
                                     memory_limit(L) >> 20));
    }
    release(pool, L, st == LUA_ERRRUN);
    return e;
  }
  // The reference convention: a string or error object as the 2nd result fails the call.
  if (lua_type(L, -1) == LUA_TSTRING || test_error(L, -1)) {
    core::Error e = error_from_lua(L, -1);
    release(pool, L, true);
    return e;
  }
  core::Value result;
  if (to_scalar(L, -2, &result)) {
    release(pool, L, true);
    return result;
  }
  auto v = to_value(L, -2, "result");
  release(pool, L, true);
  return v;
}

}  // namespace wirt::lua

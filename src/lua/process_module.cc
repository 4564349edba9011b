// The `process` global (reference-platform §3 "process"; the reference's process module spec):
// pid, id, spawn*, send, inbox, events, listen/unlisten, terminate, cancel, link/unlink,
// monitor/unmonitor, get_options/set_options, the event kinds, with_context/with_options
// (process_spawner.cc) and registry (process_registry_module.cc). Any Lua invocation can act as
// a process: its PID and record are made on first use and dropped when the invocation returns.
#include <fmt/format.h>

#include "core/duration.h"
#include "lua/channel_module.h"
#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/process_internal.h"
#include "lua/process_module.h"
#include "lua/runtime.h"

namespace wirt::lua {

namespace process_detail {

namespace {
constexpr const char* kPidKey = "wirt.pid";
constexpr const char* kBoundStopKey = "wirt.pid.stop";  // true when this call bound a StopSignal
}  // namespace

sched::ProcessTable* table(lua_State* L) {
  sched::ProcessTable* t = state_env(L)->runtime->processes();
  if (!t) luaL_error(L, "processes are not available here");
  return t;
}

const sched::CallContext& context(lua_State* L) {
  const void* c = state_env(L)->call;
  if (!c) luaL_error(L, "process used outside a call");
  return *static_cast<const sched::CallContext*>(c);
}

std::string self_pid(lua_State* L) {
  const sched::CallContext& ctx = context(L);
  if (!ctx.pid.empty()) return ctx.pid;
  lua_getfield(L, LUA_REGISTRYINDEX, kPidKey);
  if (lua_isstring(L, -1)) {
    std::string pid = lua_tostring(L, -1);
    lua_pop(L, 1);
    return pid;
  }
  lua_pop(L, 1);
  std::string pid = table(L)->new_pid(ctx.frame_id);
  table(L)->mailbox(pid);
  // terminate / cancel / a linked peer's failure must be able to stop this invocation too.
  if (sched::this_fiber::active() && table(L)->adopt_fiber(pid)) {
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, kBoundStopKey);
  }
  lua_pushstring(L, pid.c_str());
  lua_setfield(L, LUA_REGISTRYINDEX, kPidKey);
  state_env(L)->call_process = true;
  return pid;
}

int spawn_from(lua_State* L, int first, const sched::CallContext& caller, sched::SpawnOptions options,
               const char* fname) {
  if (lua_gettop(L) < first + 1 || !lua_isstring(L, first) || !lua_isstring(L, first + 1)) {
    return push_nil_error(L, core::invalid(fmt::format("{} requires at least id and host arguments", fname)));
  }
  std::string id = lua_tostring(L, first);
  std::string host = lua_tostring(L, first + 1);
  core::Array args;
  for (int i = first + 2; i <= lua_gettop(L); ++i) {
    auto v = to_value(L, i, fmt::format("argument {}", i - first - 1));
    if (!v) return push_nil_error(L, std::move(v).error());
    args.push_back(std::move(*v));
  }
  std::string parent = (options.monitor || options.link) ? self_pid(L) : std::string();
  auto pid = table(L)->spawn(caller, id, host, std::move(args), parent, options);
  if (!pid) return push_nil_error(L, std::move(pid).error());
  lua_pushlstring(L, pid->data(), pid->size());
  return 1;
}

}  // namespace process_detail

namespace {

using namespace process_detail;

int p_pid(lua_State* L) {
  std::string pid = self_pid(L);
  lua_pushlstring(L, pid.data(), pid.size());
  return 1;
}

// The frame ID: the id of the entry being run (process module spec `id`).
int p_id(lua_State* L) {
  const std::string& id = context(L).frame_id;
  lua_pushlstring(L, id.data(), id.size());
  return 1;
}

int p_spawn(lua_State* L) { return spawn_from(L, 1, context(L), {}, "spawn"); }
int p_spawn_monitored(lua_State* L) { return spawn_from(L, 1, context(L), {.monitor = true}, "spawn_monitored"); }
int p_spawn_linked(lua_State* L) { return spawn_from(L, 1, context(L), {.link = true}, "spawn_linked"); }
int p_spawn_linked_monitored(lua_State* L) {
  return spawn_from(L, 1, context(L), {.monitor = true, .link = true}, "spawn_linked_monitored");
}

int p_events(lua_State* L) {
  push_channel(L, table(L)->mailbox(self_pid(L))->events, ChannelView::Events);
  return 1;
}

int p_inbox(lua_State* L) {
  push_channel(L, table(L)->mailbox(self_pid(L))->inbox, ChannelView::Messages);
  return 1;
}

// The destination at index 1, resolved (a PID or a registered name) and checked against
// `permission` on the PID (the reference's resolvePID: "could not resolve: <name>",
// "not allowed to <verb>: <dest>").
core::Result<std::string> destination(lua_State* L, const char* fname, const char* permission) {
  if (lua_gettop(L) < 1 || !lua_isstring(L, 1))
    return core::invalid(fmt::format("{} requires a destination argument", fname));
  std::string dest = lua_tostring(L, 1);
  auto pid = table(L)->resolve(dest);
  if (!pid) return std::move(pid).error();
  if (!table(L)->policies()->allowed(context(L), permission, *pid)) {
    return core::Error(core::ErrorKind::PermissionDenied,
                       fmt::format("not allowed to {}: {}", std::string(permission).substr(8), dest))
        .with_retryable(false);
  }
  return pid;
}

int push_status(lua_State* L, const core::Status& st) {
  if (!st) return push_nil_error(L, st.error());
  lua_pushboolean(L, 1);
  return 1;
}

// process.send(dest, topic, ...): fire and forget, in order per sender.
int p_send(lua_State* L) {
  if (lua_gettop(L) < 2) return push_nil_error(L, core::invalid("send requires at least destination and topic arguments"));
  const char* topic = luaL_checkstring(L, 2);
  if (topic[0] == '@') return push_nil_error(L, core::invalid("cannot send to @ topics"));
  auto dest = destination(L, "send", "process.send");
  if (!dest) {
    if (dest.error().kind() == core::ErrorKind::PermissionDenied) {
      return push_nil_error(L, core::Error(core::ErrorKind::PermissionDenied,
                                           fmt::format("not allowed to send to: {}", lua_tostring(L, 1))));
    }
    return push_nil_error(L, std::move(dest).error());
  }
  core::Value payload;
  if (lua_gettop(L) == 3) {
    auto v = to_value(L, 3, "payload");
    if (!v) return push_nil_error(L, std::move(v).error());
    payload = std::move(*v);
  } else if (lua_gettop(L) > 3) {
    core::Array many;
    for (int i = 3; i <= lua_gettop(L); ++i) {
      auto v = to_value(L, i, fmt::format("payload {}", i - 2));
      if (!v) return push_nil_error(L, std::move(v).error());
      many.push_back(std::move(*v));
    }
    payload = core::Value(std::move(many));
  }
  core::Value msg = core::Value::map();
  msg.set("topic", core::Value(topic));
  msg.set("from", core::Value(self_pid(L)));
  msg.set("payload", std::move(payload));
  return push_status(L, table(L)->send(*dest, std::move(msg)));
}

int p_terminate(lua_State* L) {
  auto pid = destination(L, "terminate", "process.terminate");
  if (!pid) return push_nil_error(L, std::move(pid).error());
  return push_status(L, table(L)->terminate(*pid));
}

// cancel(dest, deadline?): deadline in ms (integer) or a duration string; without one (or 0)
// only the CANCEL event is sent.
int p_cancel(lua_State* L) {
  if (lua_gettop(L) < 1) return push_nil_error(L, core::invalid("cancel requires at least destination argument"));
  std::optional<core::Nanos> deadline;
  if (lua_gettop(L) >= 2 && !lua_isnil(L, 2)) {
    if (lua_type(L, 2) == LUA_TNUMBER) {
      if (!lua_isinteger(L, 2) || lua_tointeger(L, 2) < 0)
        return push_nil_error(L, core::invalid("deadline must be either a duration string or milliseconds number"));
      if (lua_tointeger(L, 2) > 0) deadline = std::chrono::milliseconds(lua_tointeger(L, 2));
    } else if (lua_type(L, 2) == LUA_TSTRING) {
      auto d = core::parse_duration(lua_tostring(L, 2));
      if (!d) return push_nil_error(L, core::invalid(fmt::format("invalid duration format: {}", d.error().message())));
      if (d->count() > 0) deadline = *d;
    } else {
      return push_nil_error(L, core::invalid("deadline must be either a duration string or milliseconds number"));
    }
  }
  auto pid = destination(L, "cancel", "process.cancel");
  if (!pid) return push_nil_error(L, std::move(pid).error());
  return push_status(L, table(L)->cancel(self_pid(L), *pid, deadline));
}

int p_monitor(lua_State* L) {
  auto pid = destination(L, "monitor", "process.monitor");
  if (!pid) return push_nil_error(L, std::move(pid).error());
  return push_status(L, table(L)->monitor(self_pid(L), *pid));
}

int p_unmonitor(lua_State* L) {
  auto pid = destination(L, "unmonitor", "process.unmonitor");
  if (!pid) return push_nil_error(L, std::move(pid).error());
  return push_status(L, table(L)->unmonitor(self_pid(L), *pid));
}

int p_link(lua_State* L) {
  auto pid = destination(L, "link", "process.link");
  if (!pid) return push_nil_error(L, std::move(pid).error());
  return push_status(L, table(L)->link(self_pid(L), *pid));
}

int p_unlink(lua_State* L) {
  auto pid = destination(L, "unlink", "process.unlink");
  if (!pid) return push_nil_error(L, std::move(pid).error());
  return push_status(L, table(L)->unlink(self_pid(L), *pid));
}

int p_get_options(lua_State* L) {
  bool trap = table(L)->trap_links(self_pid(L));
  lua_createtable(L, 0, 1);
  lua_pushboolean(L, trap);
  lua_setfield(L, -2, "trap_links");
  return 1;
}

int set_options_error(lua_State* L, core::Error e) {
  lua_pushboolean(L, 0);
  push_error(L, std::move(e));
  return 2;
}

int p_set_options(lua_State* L) {
  if (!lua_istable(L, 1)) return set_options_error(L, core::invalid("options parameter must be a table"));
  std::optional<bool> trap;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    if (lua_type(L, -2) == LUA_TSTRING) {
      std::string key = lua_tostring(L, -2);
      if (key != "trap_links") {
        lua_pop(L, 2);
        return set_options_error(L, core::invalid(fmt::format("option {} is not supported", key)));
      }
      if (!lua_isboolean(L, -1)) {
        lua_pop(L, 2);
        return set_options_error(L, core::invalid("trap_links must be a boolean"));
      }
      trap = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
  }
  if (trap) {
    if (auto st = table(L)->set_trap_links(self_pid(L), *trap); !st) return set_options_error(L, st.error());
  }
  lua_pushboolean(L, 1);
  return 1;
}

// listen(topic, {message = bool}): messages sent to this process on `topic` arrive here.
int p_listen(lua_State* L) {
  const char* topic = luaL_checkstring(L, 1);
  bool whole = false;
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "message");
    whole = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  auto ch = table(L)->listen(self_pid(L), topic, whole);
  if (!ch) return push_nil_error(L, std::move(ch).error());
  push_channel(L, std::move(*ch), whole ? ChannelView::Messages : ChannelView::Plain);
  return 1;
}

int p_unlisten(lua_State* L) {
  auto ch = to_channel(L, 1);
  if (!ch) return luaL_argerror(L, 1, "channel returned by process.listen expected");
  table(L)->unlisten(self_pid(L), ch);
  return 0;
}

}  // namespace

void open_process(lua_State* L) {
  static const luaL_Reg funcs[] = {
      {"pid", p_pid},
      {"id", p_id},
      {"spawn", p_spawn},
      {"spawn_monitored", p_spawn_monitored},
      {"spawn_linked", p_spawn_linked},
      {"spawn_linked_monitored", p_spawn_linked_monitored},
      {"events", p_events},
      {"inbox", p_inbox},
      {"send", p_send},
      {"terminate", p_terminate},
      {"cancel", p_cancel},
      {"monitor", p_monitor},
      {"unmonitor", p_unmonitor},
      {"link", p_link},
      {"unlink", p_unlink},
      {"get_options", p_get_options},
      {"set_options", p_set_options},
      {"listen", p_listen},
      {"unlisten", p_unlisten},
      {nullptr, nullptr},
  };
  luaL_newlib(L, funcs);
  lua_createtable(L, 0, 3);
  lua_pushliteral(L, "pid.exit");
  lua_setfield(L, -2, "EXIT");
  lua_pushliteral(L, "pid.link.down");
  lua_setfield(L, -2, "LINK_DOWN");
  lua_pushliteral(L, "pid.cancel");
  lua_setfield(L, -2, "CANCEL");
  lua_setfield(L, -2, "event");
  process_detail::open_spawner(L);
  process_detail::open_registry(L);
  lua_setglobal(L, "process");
}

void end_call_process(lua_State* L, sched::ProcessTable* processes) {
  StateEnv* env = state_env(L);
  if (!env->call_process) return;
  env->call_process = false;
  lua_getfield(L, LUA_REGISTRYINDEX, process_detail::kPidKey);
  if (lua_isstring(L, -1) && processes) processes->drop(lua_tostring(L, -1));
  lua_pop(L, 1);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, process_detail::kPidKey);
  lua_getfield(L, LUA_REGISTRYINDEX, process_detail::kBoundStopKey);
  bool bound = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (bound) {
    // The signal this call bound ends with it: the fiber may run other calls next.
    if (sched::this_fiber::active()) sched::this_fiber::bind_stop(nullptr);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, process_detail::kBoundStopKey);
  }
}

}  // namespace wirt::lua

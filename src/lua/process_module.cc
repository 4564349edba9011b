// The `process` global (reference-platform §3 "process"): pid, spawn, spawn_monitored, send,
// inbox, events, and the event kinds. Any Lua invocation can act as a process: its PID and
// mailbox are made on first use and dropped when the invocation returns.
#include <fmt/format.h>

#include "lua/channel_module.h"
#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/process_module.h"
#include "lua/runtime.h"

namespace wirt::lua {

namespace {

constexpr const char* kPidKey = "wirt.pid";

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

// This invocation's PID: the process's own, or one made for the call on first use.
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
  lua_pushstring(L, pid.c_str());
  lua_setfield(L, LUA_REGISTRYINDEX, kPidKey);
  return pid;
}

int p_pid(lua_State* L) {
  std::string pid = self_pid(L);
  lua_pushlstring(L, pid.data(), pid.size());
  return 1;
}

int spawn(lua_State* L, bool monitored) {
  const char* id = luaL_checkstring(L, 1);
  const char* host = luaL_checkstring(L, 2);
  core::Array args;
  for (int i = 3; i <= lua_gettop(L); ++i) {
    auto v = to_value(L, i, fmt::format("argument {}", i - 2));
    if (!v) return push_nil_error(L, std::move(v).error());
    args.push_back(std::move(*v));
  }
  std::string monitor = monitored ? self_pid(L) : std::string();
  auto pid = table(L)->spawn(context(L), id, host, std::move(args), monitor);
  if (!pid) return push_nil_error(L, std::move(pid).error());
  lua_pushlstring(L, pid->data(), pid->size());
  return 1;
}

int p_spawn(lua_State* L) { return spawn(L, false); }
int p_spawn_monitored(lua_State* L) { return spawn(L, true); }

int p_events(lua_State* L) {
  push_channel(L, table(L)->mailbox(self_pid(L))->events, ChannelView::Events);
  return 1;
}

int p_inbox(lua_State* L) {
  push_channel(L, table(L)->mailbox(self_pid(L))->inbox, ChannelView::Messages);
  return 1;
}

// process.send(dest, topic, ...): fire and forget, in order per sender.
int p_send(lua_State* L) {
  const char* dest = luaL_checkstring(L, 1);
  const char* topic = luaL_checkstring(L, 2);
  if (topic[0] == '@') return push_nil_error(L, core::invalid(fmt::format("topic {} is reserved", topic)));
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
  auto st = table(L)->send(dest, std::move(msg));
  if (!st) return push_nil_error(L, std::move(st).error());
  lua_pushboolean(L, 1);
  return 1;
}

}  // namespace

void open_process(lua_State* L) {
  static const luaL_Reg funcs[] = {
      {"pid", p_pid},       {"id", p_pid},         {"spawn", p_spawn}, {"spawn_monitored", p_spawn_monitored},
      {"events", p_events}, {"inbox", p_inbox},    {"send", p_send},   {nullptr, nullptr},
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
  lua_setglobal(L, "process");
}

void end_call_process(lua_State* L, sched::ProcessTable* processes) {
  lua_getfield(L, LUA_REGISTRYINDEX, kPidKey);
  if (lua_isstring(L, -1) && processes) processes->drop(lua_tostring(L, -1));
  lua_pop(L, 1);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kPidKey);
}

}  // namespace wirt::lua

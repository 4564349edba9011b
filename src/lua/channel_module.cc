#include "lua/channel_module.h"

#include <vector>

#include "lua/convert.h"
#include "lua/error_object.h"
#include "lua/state_limits.h"

namespace wirt::lua {

namespace {

constexpr const char* kChannelClass = "wirt.channel";
constexpr const char* kPayloadClass = "wirt.payload";
constexpr const char* kCaseField = "__wirt_case";

constexpr const char* kMessageClass = "wirt.message";

struct LuaChannel {
  std::shared_ptr<sched::Channel> ch;
  ChannelView view = ChannelView::Plain;
};

struct Message {
  core::Value value;  // {topic, from, payload}
};

struct Payload {
  core::Value value;
};

LuaChannel* check_channel(lua_State* L, int idx) { return check_udata<LuaChannel>(L, idx, kChannelClass); }

// An event's {kind=, message=} error map back into an error object.
void push_event(lua_State* L, const core::Value& ev) {
  push_value(L, ev);
  const core::Value* err = ev.find_path("result.error");
  if (!err || !err->is_map()) return;
  core::Error e(core::kind_from_name(err->get_string("kind")), err->get_string("message"));
  if (const core::Value* d = err->find("details")) e.with_details(*d);
  lua_getfield(L, -1, "result");
  push_error(L, std::move(e));
  lua_setfield(L, -2, "error");
  lua_pop(L, 1);
}

void push_received(lua_State* L, const LuaChannel& c, core::Value v, bool ok) {
  if (!ok) {
    lua_pushnil(L);
    return;
  }
  switch (c.view) {
    case ChannelView::Plain: push_value(L, v); break;
    case ChannelView::Payloads: push_payload(L, std::move(v)); break;
    case ChannelView::Events: push_event(L, v); break;
    case ChannelView::Messages: new_udata<Message>(L, kMessageClass, Message{std::move(v)}); break;
  }
}

int msg_topic(lua_State* L) {
  push_value(L, core::Value(check_udata<Message>(L, 1, kMessageClass)->value.get_string("topic")));
  return 1;
}
int msg_from(lua_State* L) {
  push_value(L, core::Value(check_udata<Message>(L, 1, kMessageClass)->value.get_string("from")));
  return 1;
}
int msg_payload(lua_State* L) {
  const core::Value* p = check_udata<Message>(L, 1, kMessageClass)->value.find("payload");
  push_payload(L, p ? *p : core::Value());
  return 1;
}

void require_fiber(lua_State* L) {
  if (!sched::this_fiber::active()) luaL_error(L, "blocking channel operation outside a fiber");
}

int ch_send(lua_State* L) {
  LuaChannel* c = check_channel(L, 1);
  require_fiber(L);
  auto v = to_value(L, 2, "value");
  if (!v) raise_error(L, std::move(v).error());
  auto st = c->ch->send(std::move(*v), call_deadline(L));
  if (!st) {
    if (st.error().kind() == core::ErrorKind::Timeout) raise_timeout(L);
    raise_error(L, std::move(st).error());
  }
  lua_pushboolean(L, 1);
  return 1;
}

int ch_receive(lua_State* L) {
  LuaChannel* c = check_channel(L, 1);
  require_fiber(L);
  auto got = c->ch->receive(call_deadline(L));
  if (!got) raise_timeout(L);  // the only way a receive fails
  auto& [v, ok] = *got;
  push_received(L, *c, std::move(v), ok);
  lua_pushboolean(L, ok);
  return 2;
}

int ch_close(lua_State* L) {
  check_channel(L, 1)->ch->close();
  return 0;
}

// Select cases are tables {__wirt_case=op, ch=<channel>, value=v}.
int make_case(lua_State* L, const char* op) {
  check_channel(L, 1);
  lua_createtable(L, 0, 3);
  lua_pushstring(L, op);
  lua_setfield(L, -2, kCaseField);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ch");
  if (op[0] == 's') {
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "value");
  }
  return 1;
}
int ch_case_send(lua_State* L) { return make_case(L, "send"); }
int ch_case_receive(lua_State* L) { return make_case(L, "receive"); }

int ch_tostring(lua_State* L) {
  lua_pushfstring(L, "channel: %p", static_cast<void*>(check_channel(L, 1)->ch.get()));
  return 1;
}

int ch_eq(lua_State* L) {
  auto* a = test_udata<LuaChannel>(L, 1, kChannelClass);
  auto* b = test_udata<LuaChannel>(L, 2, kChannelClass);
  lua_pushboolean(L, a && b && a->ch == b->ch);
  return 1;
}

int channel_new(lua_State* L) {
  lua_Integer n = luaL_optinteger(L, 1, 0);
  luaL_argcheck(L, n >= 0, 1, "capacity must be >= 0");
  push_channel(L, sched::Channel::make(static_cast<size_t>(n)));
  return 1;
}

// channel.select{case1, case2, ..., default=true} -> {channel=ch, value=v, ok=bool} or {default=true, ok=true}
int channel_select(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "default");
  bool has_default = lua_toboolean(L, -1);
  lua_pop(L, 1);
  std::vector<sched::SelectCase> cases;
  lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, 1));
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, 1, i);
    if (!lua_istable(L, -1)) return luaL_error(L, "select case %d is not a case (use ch:case_receive() / ch:case_send(v))", (int)i);
    lua_getfield(L, -1, kCaseField);
    const char* op = lua_tostring(L, -1);
    if (!op) return luaL_error(L, "select case %d is not a case", (int)i);
    lua_getfield(L, -2, "ch");
    LuaChannel* c = check_channel(L, -1);
    sched::SelectCase sc{c->ch, op[0] == 's' ? sched::SelectCase::Op::Send : sched::SelectCase::Op::Receive, {}};
    if (sc.op == sched::SelectCase::Op::Send) {
      lua_getfield(L, -3, "value");
      auto v = to_value(L, -1, "value");
      if (!v) raise_error(L, std::move(v).error());
      sc.send_value = std::move(*v);
      lua_pop(L, 1);
    }
    lua_pop(L, 3);
    cases.push_back(std::move(sc));
  }
  if (cases.empty() && !has_default) return luaL_error(L, "select with no cases would block forever");
  if (!has_default) require_fiber(L);
  sched::SelectResult r = sched::Channel::select(cases, has_default, call_deadline(L));
  if (r.timed_out) raise_timeout(L);
  lua_createtable(L, 0, 3);
  if (r.index < 0) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "default");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
  }
  lua_rawgeti(L, 1, r.index + 1);
  lua_getfield(L, -1, "ch");
  LuaChannel* c = check_channel(L, -1);
  lua_setfield(L, -3, "channel");
  lua_pop(L, 1);
  push_received(L, *c, std::move(r.value), r.ok);
  lua_setfield(L, -2, "value");
  lua_pushboolean(L, r.ok);
  lua_setfield(L, -2, "ok");
  return 1;
}

int payload_data(lua_State* L) {
  push_value(L, check_udata<Payload>(L, 1, kPayloadClass)->value);
  return 1;
}

}  // namespace

std::shared_ptr<sched::Channel> to_channel(lua_State* L, int idx) {
  auto* c = test_udata<LuaChannel>(L, idx, kChannelClass);
  return c ? c->ch : nullptr;
}

void push_channel(lua_State* L, std::shared_ptr<sched::Channel> ch, ChannelView view) {
  new_udata<LuaChannel>(L, kChannelClass, LuaChannel{std::move(ch), view});
}

void push_payload(lua_State* L, core::Value v) { new_udata<Payload>(L, kPayloadClass, Payload{std::move(v)}); }

void open_channel(lua_State* L) {
  static const luaL_Reg methods[] = {
      {"send", ch_send},           {"receive", ch_receive},       {"close", ch_close},
      {"case_send", ch_case_send}, {"case_receive", ch_case_receive}, {"__tostring", ch_tostring},
      {"__eq", ch_eq},             {nullptr, nullptr},
  };
  define_class(L, kChannelClass, methods, destroy_udata<LuaChannel>);
  static const luaL_Reg payload_methods[] = {{"data", payload_data}, {nullptr, nullptr}};
  define_class(L, kPayloadClass, payload_methods, destroy_udata<Payload>);
  static const luaL_Reg message_methods[] = {
      {"topic", msg_topic}, {"from", msg_from}, {"payload", msg_payload}, {nullptr, nullptr}};
  define_class(L, kMessageClass, message_methods, destroy_udata<Message>);
  static const luaL_Reg funcs[] = {{"new", channel_new}, {"select", channel_select}, {nullptr, nullptr}};
  luaL_newlib(L, funcs);
  lua_setglobal(L, "channel");
}

}  // namespace wirt::lua

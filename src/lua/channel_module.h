// The `channel` global (reference-platform §3 "channel") and Payload objects.
//
// Channels carry values converted to core::Value (so functions and userdata other than error
// objects cannot be sent). A channel made by the runtime for a Future delivers Payload objects
// (`payload:data()`), as the reference's future channels do.
#pragma once

#include <memory>

#include "core/value.h"
#include "lua/lua.h"
#include "sched/channel.h"

namespace wirt::lua {

// How received values are shown to Lua.
enum class ChannelView {
  Plain,     // the value itself
  Payloads,  // a Payload object (`payload:data()`), as futures deliver
  Events,    // process events: result.error becomes an error object
  Messages,  // inbox messages: a Message object (`msg:topic()`, `msg:from()`, `msg:payload()`)
};

// Pushes a Lua channel object for ch.
void push_channel(lua_State* L, std::shared_ptr<sched::Channel> ch, ChannelView view = ChannelView::Plain);
void push_payload(lua_State* L, core::Value v);
// The channel of the Lua channel object at idx, or nullptr when it is not one.
std::shared_ptr<sched::Channel> to_channel(lua_State* L, int idx);
void open_channel(lua_State* L);

}  // namespace wirt::lua

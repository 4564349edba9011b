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

// Pushes a Lua channel object for ch; `payloads` wraps received values as Payload objects.
void push_channel(lua_State* L, std::shared_ptr<sched::Channel> ch, bool payloads);
void push_payload(lua_State* L, core::Value v);
void open_channel(lua_State* L);

}  // namespace wirt::lua

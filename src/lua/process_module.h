// The `process` global; see process_module.cc.
#pragma once

#include "lua/lua.h"
#include "sched/processes.h"

namespace wirt::lua {

void open_process(lua_State* L);
// Drops the mailbox a call made for itself (called when the invocation returns).
void end_call_process(lua_State* L, sched::ProcessTable* processes);

}  // namespace wirt::lua

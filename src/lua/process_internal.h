// Shared by the `process` global's files (process_module.cc, process_spawner.cc,
// process_registry_module.cc): the table, the caller's context and PID, and spawning.
#pragma once

#include <string>

#include "lua/lua.h"
#include "sched/processes.h"

namespace wirt::lua::process_detail {

sched::ProcessTable* table(lua_State* L);
const sched::CallContext& context(lua_State* L);
// This invocation's PID: the process's own, or one made for the call on first use.
std::string self_pid(lua_State* L);
// spawn / spawn_monitored / spawn_linked / spawn_linked_monitored with `caller` as the context
// the child inherits. Stack: id, host, args... from index `first`. `fname` names the function
// in the reference's error texts.
int spawn_from(lua_State* L, int first, const sched::CallContext& caller, sched::SpawnOptions options,
               const char* fname);

// Installs process.with_context / with_options and the Spawner class into the table on top.
void open_spawner(lua_State* L);
// Installs process.registry into the table on top.
void open_registry(lua_State* L);

}  // namespace wirt::lua::process_detail

// Kind handlers for function.lua and library.lua entries (reference-platform §2).
#pragma once

#include <string>

#include "core/result.h"
#include "lua/runtime.h"
#include "registry/entry.h"
#include "sched/functions.h"
#include "sched/processes.h"

namespace wirt::app {

class LuaKinds {
 public:
  LuaKinds(lua::LuaRuntime* runtime, sched::FunctionTable* functions, sched::ProcessTable* processes)
      : runtime_(runtime), functions_(functions), processes_(processes) {}

  bool handles(const std::string& kind) const {
    return kind == "function.lua" || kind == "library.lua" || kind == "process.lua";
  }
  // Validates the entry's config and adds its unit; function.lua also gets a function id.
  core::Status add(const registry::Entry& entry);
  // Boot-time load of a function.lua entry (chunk runs, method exists).
  core::Status verify(const registry::Entry& entry);

 private:
  lua::LuaRuntime* runtime_;
  sched::FunctionTable* functions_;
  sched::ProcessTable* processes_;
};

}  // namespace wirt::app

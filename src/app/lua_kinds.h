// Kind handlers for function.lua and library.lua entries (reference-platform §2).
#pragma once

#include <string>

#include "core/result.h"
#include "lua/runtime.h"
#include "registry/entry.h"
#include "sched/functions.h"

namespace wirt::app {

class LuaKinds {
 public:
  LuaKinds(lua::LuaRuntime* runtime, sched::FunctionTable* functions) : runtime_(runtime), functions_(functions) {}

  bool handles(const std::string& kind) const { return kind == "function.lua" || kind == "library.lua"; }
  // Validates the entry's config and adds its unit; function.lua also gets a function id.
  core::Status add(const registry::Entry& entry);
  // Boot-time load of a function.lua entry (chunk runs, method exists).
  core::Status verify(const registry::Entry& entry);

 private:
  lua::LuaRuntime* runtime_;
  sched::FunctionTable* functions_;
};

}  // namespace wirt::app

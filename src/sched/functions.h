// The function table: registry ids → callable handlers (the reference's function registry
// behind `funcs.call`). Kind handlers (function.lua, function.wat, ...) register here at boot.
//
// A handler runs on the caller's fiber and may suspend it. Thread-safety: registration happens
// during boot (single-threaded); lookups and calls afterwards are concurrent and lock-free.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "sched/call_context.h"

namespace wirt::sched {

using FunctionHandler = std::function<core::Result<core::Value>(const CallContext&, const core::Array& args)>;

// Where an id not registered here is called when a cluster is joined (src/cluster/): gets the
// callee's context (forked, deadline checked) and runs on the caller's fiber, which it may suspend.
using FunctionFallback = std::function<core::Result<core::Value>(const CallContext& callee, const std::string& id,
                                                                 const core::Array& args)>;

// Deepest nesting of calls on one fiber; past it a call fails instead of overflowing the stack.
inline constexpr int kMaxCallDepth = 64;

class FunctionTable {
 public:
  void add(std::string id, FunctionHandler handler) { handlers_[std::move(id)] = std::move(handler); }
  bool contains(const std::string& id) const { return handlers_.count(id) != 0; }
  // True when call(id) would not fail NotFound at once: the id is here or a fallback is set.
  bool callable(const std::string& id) const { return fallback_ || contains(id); }
  // The ids registered here (the functions a cluster node serves).
  std::vector<std::string> ids() const;
  // Set once, before calls start (the cluster joins right after boot); local ids never reach it.
  void set_fallback(FunctionFallback fallback) { fallback_ = std::move(fallback); }
  // The handler registered for `id`, or nullptr. For callers that build the callee's context
  // themselves (an http.endpoint adds the request to it).
  const FunctionHandler* find(const std::string& id) const {
    auto it = handlers_.find(id);
    return it == handlers_.end() ? nullptr : &it->second;
  }

  // Calls `id` on the current fiber with a forked context. Errors: NotFound for an unknown id
  // (unless the fallback takes it),
  // Timeout when the caller's deadline has passed, Internal past kMaxCallDepth.
  core::Result<core::Value> call(const CallContext& caller, const std::string& id, const core::Array& args) const;

 private:
  std::unordered_map<std::string, FunctionHandler> handlers_;
  FunctionFallback fallback_;
};

}  // namespace wirt::sched

// The function table: registry ids → callable handlers (the reference's function registry
// behind `funcs.call`). Kind handlers (function.lua, function.wat, ...) register here at boot.
//
// A handler runs on the caller's fiber and may suspend it. Thread-safety: add() happens while
// the table is built (boot, or a reload's staging table; single-threaded); lookups and calls
// are concurrent. The handlers are one immutable FunctionSet (a generation); a hot reload
// publishes a new set atomically (src/app/reload.h). A call chain is pinned to the set its
// root call started on (CallContext::generation), so one call never mixes two versions, and
// an old set — with the Lua states and WASM instance pools its handlers own — is released
// when the last call that uses it ends.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
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

// One generation of handlers. `owner` keeps what the handlers point into (a reload's Lua
// runtime and WASM kinds) alive as long as the set is used.
struct FunctionSet {
  std::shared_ptr<const void> owner;  // declared first: destroyed after the handlers
  std::unordered_map<std::string, std::shared_ptr<const FunctionHandler>> handlers;

  const FunctionHandler* find(const std::string& id) const {
    auto it = handlers.find(id);
    return it == handlers.end() ? nullptr : it->second.get();
  }
};

class FunctionTable {
 public:
  FunctionTable() : set_(std::make_shared<FunctionSet>()) {}
  // While the table is built only (see above).
  void add(std::string id, FunctionHandler handler) {
    set_.load()->handlers[std::move(id)] = std::make_shared<const FunctionHandler>(std::move(handler));
  }
  bool contains(const std::string& id) const { return snapshot()->handlers.count(id) != 0; }
  // True when call(id) would not fail NotFound at once: the id is here or a fallback is set.
  bool callable(const std::string& id) const { return fallback_ || contains(id); }
  // The ids registered here (the functions a cluster node serves).
  std::vector<std::string> ids() const;
  // Set once, before calls start (the cluster joins right after boot); local ids never reach it.
  void set_fallback(FunctionFallback fallback) { fallback_ = std::move(fallback); }
  const FunctionFallback& fallback() const { return fallback_; }
  // Callers that build the callee's context themselves (an http.endpoint adds the request to
  // it) take snapshot() and pin it in that context.
  // The current generation (never null).
  std::shared_ptr<const FunctionSet> snapshot() const {
    if (forward_) return forward_->snapshot();
    return set_.load();
  }
  // Makes `set` the current generation: new root calls use it; chains already running keep
  // theirs. Any thread.
  void publish(std::shared_ptr<const FunctionSet> set) {
    set_.store(std::const_pointer_cast<FunctionSet>(std::move(set)));
  }
  // A reload's staging table, once its set is published into `live`: drops its own set (which
  // owns this table through FunctionSet::owner) and answers root calls from `live`.
  void forward_to(const FunctionTable* live) {
    forward_ = live;
    set_.store(nullptr);
  }
  // Drops the current set (at shutdown, so what its handlers own goes while the workers'
  // io_contexts still exist).
  void clear() { set_.store(std::make_shared<FunctionSet>()); }

  // Calls `id` on the current fiber with a forked context. Errors: NotFound for an unknown id
  // (unless the fallback takes it),
  // Timeout when the caller's deadline has passed, Internal past kMaxCallDepth.
  core::Result<core::Value> call(const CallContext& caller, const std::string& id, const core::Array& args) const;

 private:
  std::atomic<std::shared_ptr<FunctionSet>> set_;
  const FunctionTable* forward_ = nullptr;
  FunctionFallback fallback_;
};

}  // namespace wirt::sched

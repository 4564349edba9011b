// The context every invocation carries: security identity, context values, deadline, depth.
//
// It flows from caller to callee (funcs.call, funcs.async, spawned processes, WASM executions:
// reference-platform §5 "How context propagates"). A callee gets a copy (fork); changes made
// with funcs.new():with_*() apply to that copy only. Plain data: copyable, thread-safe to copy.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"

namespace wirt::http {
class Exchange;
}

namespace wirt::sched {

struct FunctionSet;  // sched/functions.h

struct Actor {
  std::string id;
  core::Value meta = core::Value::map();
};

struct CallContext {
  using Clock = std::chrono::steady_clock;

  std::optional<Actor> actor;
  // Policy ids of the security scope; nullopt when there is no scope.
  std::optional<std::vector<std::string>> scope;
  core::Value values = core::Value::map();   // ctx values (the `ctx` module)
  core::Value options = core::Value::map();  // Task.Options (funcs with_options)
  std::optional<Clock::time_point> deadline; // the earliest deadline along the call chain
  int depth = 0;                             // nested call depth (funcs.call chains)
  std::string frame_id;                      // id of the function being run
  std::string pid;                           // the process running this call ("" for plain calls)
  // Set for the process a `wirt run NAME` command runs on the terminal host: its guest stdio is
  // the terminal's. Not inherited (reference-platform §5: the terminal context is not).
  bool terminal = false;
  // The instance pools whose instances calls up this chain hold right now (innermost first).
  // A call waiting for an instance its own chain holds would wait forever (a Lua ↔ component
  // recursion on an `inline` pool); pools check this and fail at once instead. Inherited by
  // callees on the same fiber; cleared for async calls and processes, which may wait.
  struct HeldPool {
    const void* pool;
    std::shared_ptr<const HeldPool> next;
  };
  std::shared_ptr<const HeldPool> held_pools;
  // The function generation this call chain resolves ids in (sched/functions.h): set by the
  // root call, inherited by callees and async calls, so a hot reload never mixes two
  // versions within one call; cleared for processes, which outlive reloads.
  std::shared_ptr<const FunctionSet> generation;

  bool holds(const void* pool) const {
    for (const HeldPool* h = held_pools.get(); h; h = h->next.get())
      if (h->pool == pool) return true;
    return false;
  }
  // A copy of this context that records `pool` as held, for the registry calls a guest makes
  // while it runs on an instance of that pool.
  CallContext holding(const void* pool) const {
    CallContext c = *this;
    c.held_pools = std::make_shared<const HeldPool>(HeldPool{pool, held_pools});
    return c;
  }
  // The HTTP request an http.endpoint is serving, set only on the context of the endpoint's
  // function (src/http/): the `http` Lua module, `transport: wasi-http` and incoming-handler
  // components read it. Not inherited (fork drops it): a nested funcs.call never sees the
  // request, as the reference keeps the request context to the endpoint's frame.
  http::Exchange* exchange = nullptr;

  // The context a callee sees: the inheritable pairs (actor, scope, values) and the deadline.
  CallContext fork(std::string callee_id) const {
    CallContext c;
    c.actor = actor;
    c.scope = scope;
    c.values = values;
    c.deadline = deadline;
    c.held_pools = held_pools;
    c.generation = generation;
    c.depth = depth + 1;
    c.frame_id = std::move(callee_id);
    return c;  // pid is not inherited: a callee is not its caller's process
  }
};

}  // namespace wirt::sched

// Per-call state of a component call: what WASI 0.2 host functions and registry-bound host
// imports reach through component::HostCall::user_data. Lives on the calling fiber's stack for
// the duration of one call; fresh per call, like the guest's own state.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "core/result.h"
#include "sched/call_context.h"
#include "sched/functions.h"
#include "sched/security.h"
#include "wasi/guest_env.h"
#include "wasi/streams.h"

namespace wirt::wasi {

struct HttpState;  // wasi/http_types.h
namespace sockets { struct State; }  // wasi/sockets.h

// A wasi:io/poll pollable: ready at `deadline_ns` (steady clock), or always ready (0) — unless
// `ready` is set: then it is ready when ready() says so, and `block` suspends the fiber until it
// is (e.g. a body stream waiting for the client). The callbacks capture reps, never pointers to
// the objects they watch, since a guest may drop those first.
struct Pollable {
  int64_t deadline_ns = 0;
  std::function<bool()> ready;
  std::function<core::Status()> block;
};

// Pollables alive at once in one call; a guest that subscribes without ever dropping traps
// there instead of growing host memory.
inline constexpr size_t kMaxPollables = 10000;

struct CallState {
  const sched::CallContext* ctx = nullptr;
  const sched::FunctionTable* functions = nullptr;
  GuestEnv env;
  // The call's deadline (steady-clock ns; 0 = none): the nearer of the caller's deadline and
  // limits.max_execution_ms. Waits end there with Timeout instead of sleeping past it.
  int64_t deadline_ns = 0;
  std::map<uint32_t, Pollable> pollables;  // host resource reps handed to the guest
  // wasi:io streams other than stdio (reps 0–2 are stdin/stdout/stderr, so lent reps start at 3).
  std::map<uint32_t, std::unique_ptr<HostInputStream>> inputs;
  std::map<uint32_t, std::unique_ptr<HostOutputStream>> outputs;
  // wasi:io/error resources lent to the guest: their to-debug-string text.
  std::map<uint32_t, std::string> errors;
  // The wasi:filesystem error-code of those that are file I/O errors (filesystem-error-code).
  std::map<uint32_t, std::string> error_codes;
  uint32_t next_rep = 3;
  // The request being served when the call is a wasi:http/incoming-handler#handle (else null).
  HttpState* http = nullptr;
  // The app's policies for the platform permission checks of host imports — wasi:sockets
  // (socket.*), outgoing HTTP (http_client.*) — null: no app, no checks.
  const sched::Policies* policies = nullptr;
  // wasi:sockets state (wasi/sockets.h): the call's sockets, closed when the call ends.
  std::shared_ptr<sockets::State> sockets;

  // Lends a new pollable (Invalid past kMaxPollables alive).
  core::Result<uint32_t> add_pollable(Pollable p) {
    if (pollables.size() >= kMaxPollables)
      return core::invalid("wasi:io/poll: more than 10000 pollables alive in one call");
    uint32_t rep = next_rep++;
    pollables[rep] = std::move(p);
    return rep;
  }
};

}  // namespace wirt::wasi

// Per-call state of a component call: what WASI 0.2 host functions and registry-bound host
// imports reach through component::HostCall::user_data. Lives on the calling fiber's stack for
// the duration of one call; fresh per call, like the guest's own state.
#pragma once

#include <cstdint>
#include <map>

#include "sched/call_context.h"
#include "sched/functions.h"
#include "wasi/guest_env.h"

namespace wirt::wasi {

// A wasi:io/poll pollable: ready at `deadline_ns` (steady clock), or always ready (0).
struct Pollable {
  int64_t deadline_ns = 0;
};

struct CallState {
  const sched::CallContext* ctx = nullptr;
  const sched::FunctionTable* functions = nullptr;
  GuestEnv env;
  // The call's deadline (steady-clock ns; 0 = none): the nearer of the caller's deadline and
  // limits.max_execution_ms. Waits end there with Timeout instead of sleeping past it.
  int64_t deadline_ns = 0;
  std::map<uint32_t, Pollable> pollables;  // host resource reps handed to the guest
  uint32_t next_rep = 1;
};

}  // namespace wirt::wasi

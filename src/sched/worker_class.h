// Worker classes: a separate Scheduler (its own threads, io_contexts and fibers) that some
// calls run on, so CPU-bound WASM cannot starve the main workers' Lua timers and HTTP responses
// (README "Isolated WASM workers"; reference-wasm-runtime §4.3 `pool.worker_class: wasm`).
//
// call_on() hands one call to the class: the calling fiber suspends (its worker keeps serving
// other fibers), the call runs on a fresh fiber of the class, and the caller resumes on its own
// worker with the result. Thread-safety: call_on may be called from fibers on any worker.
#pragma once

#include <functional>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "sched/scheduler.h"

namespace wirt::sched {

// How a class is sized and pinned, from scheduler.wasm_isolation.
struct WorkerClassPlan {
  size_t workers = 1;
  std::vector<int> cpus;       // the class's threads are pinned here (empty: not pinned)
  std::vector<int> main_cpus;  // the main workers are pinned here (empty: not pinned)
};

// enabled/reserved_cores/workers/cpus as in app::WasmIsolation; `allowed` is the CPU set the
// process may run on (sched_getaffinity). Without `enabled` nothing is pinned and the class has
// `workers`, else min(cores, 4) threads. With it, the class takes `cpus` (else the last
// `reserved_cores` allowed CPUs) and the main workers the remaining allowed CPUs (none left:
// the main workers stay unpinned).
WorkerClassPlan plan_worker_class(bool enabled, int64_t reserved_cores, int64_t workers, const std::vector<int>& cpus,
                                  const std::vector<int>& allowed);
// The CPUs this process may run on.
std::vector<int> allowed_cpus();

// Runs `fn` on a fiber of `target` and returns its result; the caller's fiber (or thread, when
// not on a fiber) waits. If `deadline` passes while the call is still queued on the class, the
// call is withdrawn and the caller gets Timeout "deadline exceeded before calling <what>"; once
// the call has started the caller waits for it (the call itself honours the deadline: guest
// code is interrupted there), since `fn` may reference the caller's stack.
core::Result<core::Value> call_on(Scheduler& target, const std::function<core::Result<core::Value>()>& fn,
                                  const Deadline& deadline, const std::string& what);

}  // namespace wirt::sched

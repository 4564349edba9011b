// Interruption of CPU-bound guest code for Limits::max_execution_ms (DESIGN §2.1, way (b)).
//
// A guest call publishes its deadline in a per-thread slot; one watchdog thread checks the
// slots every few milliseconds and sends rt::interrupt_signal() to threads whose deadline
// passed. The handler (runtime.cc) unwinds only while the thread executes guest code; inside
// a host import it leaves a flag that the import checks on return. Compute loops pay nothing:
// no check is compiled into the generated code.
//
// Thread safety: arm()/disarm() touch only the calling thread's slot (lock-free); the slot list
// is locked by the watchdog and on thread registration.
#pragma once

#include <atomic>
#include <cstdint>

namespace wirt::wasm::interrupt {

// Publishes the calling thread's deadline (CLOCK_MONOTONIC ns; 0 = none) and, for a call
// that may be stopped from outside (a process's terminate: sched/stop_signal.h), the flag that
// requests it: the watchdog interrupts the thread once the flag is set, as at a deadline. The
// flag must stay alive until it is unpublished (arm with another or no flag).
void arm(int64_t deadline_ns, const std::atomic<bool>* stop = nullptr);

// Watchdog period: a timeout is detected within limit + one tick (+ signal delivery).
inline constexpr int kTickMs = 5;

}  // namespace wirt::wasm::interrupt

// wirt's implementation of the wasm-rt interface used by generated module code (DESIGN §2.1
// "Runtime"), replacing the stock libwasm-rt-impl.a whose trap state is process-global.
//
// Thread safety: all trap state is thread-local (ThreadState); a guest call runs on one
// thread from entry to exit (a fiber may suspend inside a host import: the import path saves
// and restores the thread state around the host function, so other fibers can run guest code
// on the same thread meanwhile). The function-type registry and funcref handles are global
// and locked.
//
// Signals: SIGSEGV/SIGBUS (guard-page out-of-bounds access, stack overflow) and
// kInterruptSignal (max_execution_ms) are handled on a per-thread alternate stack; a handler
// only unwinds when the faulting thread is inside guest code (ThreadState::in_guest), which
// is cleared across host imports and runtime functions that take locks or allocate.
#pragma once

#include <atomic>

#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "wasm/rt_abi_cxx.h"

namespace wirt::wasm::rt {

struct MemoryPolicy;

// The signal the watchdog sends to interrupt guest code (SIGURG: standard signals coalesce).
int interrupt_signal();

// Per-thread trap state. Constant-initialised POD so the signal handlers can use it.
struct ThreadState {
  jmp_buf* target = nullptr;          // trap point of the innermost guest call
  core::Error* error = nullptr;       // where host errors of that call are stored
  volatile sig_atomic_t in_guest = 0; // executing generated code right now
  volatile sig_atomic_t pending_timeout = 0;
  volatile int64_t deadline_ns = 0;   // CLOCK_MONOTONIC; 0 = none
  const std::atomic<bool>* stop = nullptr;  // set: the call is stopped as at its deadline
  uint32_t limit_ms = 0;              // for the message
  int trap = 0;                       // wasm_rt_trap_t of the last unwind
  uintptr_t stack_limit = 0;
  MemoryPolicy* memory_policy = nullptr;  // of the instance running (rt_memory.h)
};
ThreadState& thread_state();

// Installs the signal handlers (once per process) and this thread's alternate signal stack
// (once per thread). Cheap after the first call.
void ensure_thread_ready();

// The table handed to every module's entry point.
const wirt_rt_api* api();

// Unwinds to the current call's trap point. Must only be called with no live C++ objects with
// non-trivial destructors between the trap point and the caller.
[[noreturn]] void trap(int reason);
// Stores `error` for the current call and unwinds with WIRT_TRAP_HOST_ERROR.
[[noreturn]] void trap_with(core::Error error);

// Called by a host import implementation (a wirt_uniform_fn in an import slot) just before it
// returns, to make the import fail: the calling guest code unwinds and the call returns
// `error` unchanged.
void fail_import(core::Error error);

// "wasm trap: <reason>" text for a trap reason (wasm_rt_trap_t).
std::string trap_message(int reason);

int64_t now_ns();

// Flags guest code as not running while the runtime or a host does work that must not be
// abandoned by a signal (locks, malloc). leave_guest() returns the previous state for
// reenter_guest(), which traps with Timeout if the deadline passed meanwhile.
int leave_guest();
void reenter_guest(int prev);

}  // namespace wirt::wasm::rt

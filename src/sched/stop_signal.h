// A request to stop one fiber: how process.terminate / process.cancel's deadline end a process
// (reference-platform §4 "Exit"; process spec `terminate`, `cancel`).
//
// A StopSignal is bound to a fiber (this_fiber::bind_stop). Once requested:
// - the wait the fiber is in (this_fiber::suspend_until / sleep_for: channels, sleeps,
//   semaphores, sockets, inboxes) ends at once as if its deadline had passed, and every later
//   wait does too, so no blocking operation can outlive the request;
// - guest code polls it: the Lua deadline hook (lua/state_limits.cc) and the WASM watchdog
//   (wasm/interrupt.h: the flag is published with the guest call's deadline).
//
// Thread-safety: request() from any thread; the wait hooks are called by the scheduler on the
// fiber that owns the signal.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "sched/scheduler.h"

namespace boost::asio {
class io_context;
}

namespace wirt::sched {

class StopSignal {
 public:
  // Requests the stop. Idempotent; the first call wakes the fiber's current wait.
  void request();
  bool requested() const { return flag_.load(std::memory_order_acquire); }
  // The flag itself, for code that polls without knowing about fibers (the WASM watchdog).
  const std::atomic<bool>* flag() const { return &flag_; }

  // For this_fiber::suspend_until: registers the waker of the wait now starting. If the stop
  // is (or becomes) requested, the waker is woken on `io` (the fiber's worker, so the write to
  // *stopped is ordered before the fiber resumes, as a timer's is) and *stopped set when that
  // wake won.
  void enter_wait(Waker waker, boost::asio::io_context* io, std::shared_ptr<bool> stopped);
  void leave_wait();

 private:
  void wake_locked();

  std::atomic<bool> flag_{false};
  std::mutex mu_;
  Waker waiting_;
  boost::asio::io_context* io_ = nullptr;
  std::shared_ptr<bool> stopped_;
};

namespace this_fiber {
// Binds `stop` to the current fiber (nullptr unbinds). Waits of the fiber end once it is
// requested. Returns the previous binding.
std::shared_ptr<StopSignal> bind_stop(std::shared_ptr<StopSignal> stop);
// The signal bound to the current fiber, or nullptr.
StopSignal* stop_signal();
// The same, shared: for code that runs part of this fiber's work on another fiber and binds it
// there too (sched/worker_class.h: a process's call on the wasm worker class).
std::shared_ptr<StopSignal> shared_stop_signal();
// True when the current fiber's stop was requested.
inline bool stop_requested() {
  StopSignal* s = stop_signal();
  return s && s->requested();
}
}  // namespace this_fiber

}  // namespace wirt::sched

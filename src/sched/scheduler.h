// wirt::sched — worker threads running fibers on Boost.Asio (DESIGN §2.3).
//
// A Scheduler owns N worker threads; each runs its own asio::io_context. Every invocation
// (Lua call, WASM call, process) runs on a fiber (Boost.Context) with its own stack. A fiber
// stays on the worker that started it: Lua states and WASM trap state are thread-affine while
// in use. A blocking operation registers its completion with asio (or with another fiber via a
// Waker) and suspends the fiber; the completion posts the fiber's resumption to its worker.
//
// Thread-safety: Scheduler::spawn and Waker::wake may be called from any thread.
// this_fiber:: functions must be called on a fiber.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/duration.h"

namespace wirt::sched {

class Worker;
struct FiberState;

// When a wait must end at the latest (steady clock); nullopt = no deadline. Every blocking
// wait of a call takes the call's deadline, so no guest or Lua code can wait past it.
using Deadline = std::optional<std::chrono::steady_clock::time_point>;
// A deadline given as steady-clock nanoseconds since the epoch (0 = none), as the engine keeps it.
Deadline deadline_from_ns(int64_t steady_ns);

// Resumes one suspended fiber, once. Copyable; the first wake() wins, later ones do nothing.
class Waker {
 public:
  Waker() = default;
  // True when this call resumed the fiber; false when an earlier wake() (e.g. the deadline's)
  // already had: a waker that hands over a value or permit must then keep it.
  bool wake() const;
  explicit operator bool() const { return token_ != nullptr; }

 private:
  friend struct FiberAccess;
  struct Token;
  std::shared_ptr<Token> token_;
};

struct SchedulerOptions {
  size_t threads = 0;                    // 0 = number of cores
  size_t fiber_stack_bytes = 2u << 20;   // virtual size; pages are committed on touch
  // CPUs every worker thread is pinned to (sched_setaffinity, Linux); empty = not pinned.
  // Used by the worker classes of src/sched/worker_class.h.
  std::vector<int> cpus;
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options = {});
  ~Scheduler();  // stop(), then the workers' io_contexts are destroyed
  // Stops the workers and joins them; fibers still suspended are abandoned. Their io_contexts
  // stay alive until the destructor, so objects bound to them (asio timers in Lua states) can
  // still be destroyed safely in between. Idempotent; call from outside the workers.
  void stop();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs fn on a new fiber on one of the workers. Thread-safe.
  void spawn(std::function<void()> fn);
  // Runs fn on a new fiber and blocks the calling thread (which must not be a worker) until
  // fn returns. Used by the CLI and tests to enter the fiber world.
  void block_on(std::function<void()> fn);

  size_t thread_count() const { return workers_.size(); }
  // The io_context of the worker running the current fiber (for asio objects bound to it).
  static boost::asio::io_context* current_io();

 private:
  friend struct FiberAccess;
  SchedulerOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> next_{0};
};

namespace this_fiber {
// True when called on a fiber run by a Scheduler.
bool active();
// Suspends the current fiber after calling arm(waker); resumes when the waker is woken.
// arm runs on the fiber before it suspends, so a completion registered there may fire at any
// time: the resumption is posted to this fiber's worker and cannot run before the suspend.
void suspend(const std::function<void(Waker)>& arm);
// Like suspend(), but also resumes at `deadline`. Returns true when woken by the waker given to
// arm, false when the deadline came first (that waker's wake() then returns false, so whoever
// holds it knows; the caller withdraws its registration). The one deadline-aware wait every
// blocking operation (sleep, channels, semaphores, stdin, inboxes) is built on.
bool suspend_until(const std::function<void(Waker)>& arm, const Deadline& deadline);
// Suspends for d (d <= 0 yields once and returns). Returns false when `deadline` cut it short.
bool sleep_for(core::Nanos d, const Deadline& deadline = std::nullopt);
// Lets other ready fibers on this worker run, then continues.
void yield();
// The lowest usable address of the current fiber's stack (0 when not on a fiber).
uintptr_t stack_bottom();
}  // namespace this_fiber

}  // namespace wirt::sched

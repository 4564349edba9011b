// A counting semaphore for fibers: acquire() suspends the fiber (never the thread) while no
// permit is free; waiters are served first come, first served (the reference's pools queue
// callers FIFO and never reject, but a wait ends at the caller's deadline). Thread-safe.
#pragma once

#include <deque>
#include <memory>
#include <mutex>

#include "core/spin_lock.h"
#include "sched/scheduler.h"

namespace wirt::sched {

class FiberSemaphore {
 public:
  explicit FiberSemaphore(size_t permits) : permits_(permits) {}

  // Takes a permit, suspending the calling fiber until one is free or `deadline` passes
  // (then false, holding no permit).
  [[nodiscard]] bool acquire(const Deadline& deadline = std::nullopt) {
    std::unique_lock lock(mu_);
    if (permits_ > 0 && waiters_.empty()) {
      --permits_;
      return true;
    }
    // The releaser hands its permit straight to the first waiter (no barging).
    auto token = std::make_shared<int>();  // identifies our entry for withdrawal
    bool woken = this_fiber::suspend_until(
        [&](Waker w) {
          waiters_.push_back({std::move(w), token});
          lock.unlock();
        },
        deadline);
    if (woken) return true;
    // Timed out: withdraw. If a releaser already popped us, its wake() failed and it kept the
    // permit for someone else (release() below), so we hold nothing either way.
    std::lock_guard relock(mu_);
    std::erase_if(waiters_, [&](const Entry& e) { return e.token == token; });
    return false;
  }
  bool try_acquire() {
    std::lock_guard lock(mu_);
    if (permits_ == 0 || !waiters_.empty()) return false;
    --permits_;
    return true;
  }
  void release() {
    std::lock_guard lock(mu_);
    while (!waiters_.empty()) {
      Waker w = std::move(waiters_.front().waker);
      waiters_.pop_front();
      if (w.wake()) return;  // handed over; a waiter whose deadline fired first is skipped
    }
    ++permits_;
  }
  size_t waiting() const {
    std::lock_guard lock(mu_);
    return waiters_.size();
  }

 private:
  struct Entry {
    Waker waker;
    std::shared_ptr<int> token;
  };
  mutable core::SpinLock mu_;  // held for a few instructions (never while suspended)
  size_t permits_;
  std::deque<Entry> waiters_;
};

}  // namespace wirt::sched

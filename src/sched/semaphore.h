// A counting semaphore for fibers: acquire() suspends the fiber (never the thread) while no
// permit is free; waiters are served first come, first served (the reference's pools queue
// callers FIFO and never reject). Thread-safe.
#pragma once

#include <deque>
#include <mutex>

#include "sched/scheduler.h"

namespace wirt::sched {

class FiberSemaphore {
 public:
  explicit FiberSemaphore(size_t permits) : permits_(permits) {}

  // Takes a permit, suspending the calling fiber until one is free.
  void acquire() {
    std::unique_lock lock(mu_);
    if (permits_ > 0 && waiters_.empty()) {
      --permits_;
      return;
    }
    // The releaser hands its permit straight to the first waiter (no barging).
    this_fiber::suspend([&](Waker w) {
      waiters_.push_back(std::move(w));
      lock.unlock();
    });
  }
  bool try_acquire() {
    std::lock_guard lock(mu_);
    if (permits_ == 0 || !waiters_.empty()) return false;
    --permits_;
    return true;
  }
  void release() {
    std::unique_lock lock(mu_);
    if (!waiters_.empty()) {
      Waker w = std::move(waiters_.front());
      waiters_.pop_front();
      lock.unlock();
      w.wake();
      return;
    }
    ++permits_;
  }
  size_t waiting() const {
    std::lock_guard lock(mu_);
    return waiters_.size();
  }

 private:
  mutable std::mutex mu_;
  size_t permits_;
  std::deque<Waker> waiters_;
};

}  // namespace wirt::sched

// wirt::core::SpinLock — a lock for critical sections of a few instructions (push/pop on an
// idle list, a counter) taken on every call: its uncontended lock + unlock is two atomic
// operations, where a pthread mutex pair costs ~50 instructions (callgrind, issue 11 "locks on
// the uncontended path"). Waiters spin with `pause`, then yield the thread, so a holder that
// was preempted is not starved. Never hold it across anything that may block or suspend a
// fiber. Satisfies Lockable (std::lock_guard, std::unique_lock).
#pragma once

#include <atomic>

#include <sched.h>

namespace wirt::core {

class SpinLock {
 public:
  void lock() noexcept {
    for (int spins = 0; locked_.exchange(true, std::memory_order_acquire); ) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < 64) {
          cpu_relax();
        } else {
          sched_yield();
        }
      }
    }
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  static void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }
  std::atomic<bool> locked_{false};
};

}  // namespace wirt::core

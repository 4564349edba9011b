#include "wasm/interrupt.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "wasm/runtime.h"

namespace wirt::wasm::interrupt {
namespace {

struct Slot {
  std::atomic<int64_t> deadline{0};
  // Changed only under the watchdog's lock, so the watchdog never reads a flag being retired.
  std::atomic<const std::atomic<bool>*> stop{nullptr};
  pthread_t thread{};
  std::atomic<bool> live{true};
};

struct Watchdog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<Slot>> slots;
  bool started = false;
  std::atomic<bool> idle{false};

  // Called with mu held.
  bool any_armed() const {
    for (const auto& s : slots)
      if (s->deadline.load() != 0 || s->stop.load() != nullptr) return true;
    return false;
  }

  void run() {
    int signo = rt::interrupt_signal();
    auto last_active = std::chrono::steady_clock::now();
    std::unique_lock lock(mu);
    for (;;) {
      bool any = false;
      int64_t now = rt::now_ns();
      std::erase_if(slots, [](const auto& s) { return !s->live.load(); });
      for (const auto& s : slots) {
        int64_t d = s->deadline.load(std::memory_order_acquire);
        const std::atomic<bool>* stop = s->stop.load();
        if (stop) {
          any = true;
          if (stop->load()) {
            pthread_kill(s->thread, signo);
            continue;
          }
        }
        if (d == 0) continue;
        any = true;
        // Re-sent every tick while overdue: a thread inside a host import gets a pending flag
        // first and is unwound when it returns to guest code.
        if (now >= d) pthread_kill(s->thread, signo);
      }
      auto t = std::chrono::steady_clock::now();
      if (any) last_active = t;
      if (!any && t - last_active > std::chrono::seconds(1)) {
        // Nothing armed for a while: sleep until arm() wakes us. arm() stores its deadline and
        // then reads `idle`; we store `idle` and then re-read the deadlines (both seq_cst), so
        // one of us sees the other: either arm() notifies (under the lock, hence not before we
        // wait) or the re-scan finds the deadline. Without the re-scan an arm() between the
        // scan above and idle.store() was lost and a runaway loop was never stopped.
        idle.store(true);
        if (any_armed()) {
          idle.store(false);
          continue;
        }
        cv.wait(lock, [&] { return !idle.load(); });
        last_active = std::chrono::steady_clock::now();
        continue;
      }
      cv.wait_for(lock, std::chrono::milliseconds(kTickMs));
    }
  }
};

Watchdog& watchdog() {
  static Watchdog* w = new Watchdog;  // lives for the process (the thread never exits)
  return *w;
}

struct ThreadSlot {
  std::shared_ptr<Slot> slot;
  ~ThreadSlot() {
    if (slot) {
      // Under the watchdog's lock: it never signals a thread that already exited.
      std::lock_guard lock(watchdog().mu);
      slot->deadline.store(0);
      slot->stop.store(nullptr);
      slot->live.store(false);
    }
  }
};
thread_local ThreadSlot t_slot;

Slot& my_slot() {
  if (!t_slot.slot) {
    auto s = std::make_shared<Slot>();
    s->thread = pthread_self();
    Watchdog& w = watchdog();
    std::lock_guard lock(w.mu);
    w.slots.push_back(s);
    if (!w.started) {
      w.started = true;
      std::thread([&w] { w.run(); }).detach();
    }
    t_slot.slot = std::move(s);
  }
  return *t_slot.slot;
}

}  // namespace

void arm(int64_t deadline_ns, const std::atomic<bool>* stop) {
  if (deadline_ns == 0 && !stop && !t_slot.slot) return;
  Slot& s = my_slot();
  if (s.stop.load() != stop) {
    std::lock_guard lock(watchdog().mu);
    s.stop.store(stop);
  }
  // seq_cst store then seq_cst load: pairs with the watchdog's idle.store / re-scan.
  s.deadline.store(deadline_ns);
  if (deadline_ns != 0 || stop) {
    Watchdog& w = watchdog();
    if (w.idle.load()) {
      std::lock_guard lock(w.mu);
      w.idle.store(false);
      w.cv.notify_one();
    }
  }
}

}  // namespace wirt::wasm::interrupt

// A pool of instances for one WASM entry (reference-wasm-runtime §4): at most `plan.max`
// instances exist; callers beyond that wait (FIFO, suspending their fiber — pools never
// reject); idle instances are reused after a cheap reset (fresh guest state per call).
// `Inst` is wasm::Instance (core modules) or component::ComponentInstance: anything with
// `core::Status reset()`.
//
// Lazy pools close all their idle instances once none is leased and the last use was 30 s
// ago (reference-wasm-runtime §4.2), from the IdleReaper thread: the memory of a burst returns.
//
// Thread-safe: acquire/release from fibers on any worker. An instance is used by one call at
// a time, and a used instance is reset before its next use.
#pragma once

#include <time.h>

#include <chrono>
#include <functional>
#include <memory>

#include <fmt/format.h>
#include <mutex>
#include <vector>

#include "core/result.h"
#include "core/spin_lock.h"
#include "host/idle_reaper.h"
#include "host/wasm_config.h"
#include "sched/semaphore.h"

namespace wirt::host {

template <typename Inst>
class InstancePool {
 public:
  using Factory = std::function<core::Result<std::unique_ptr<Inst>>()>;

  static constexpr std::chrono::milliseconds kIdleTimeout{30000};

  // Instances that can drop their guest memory while idle (wasm::Instance, ComponentInstance).
  static constexpr bool kCanRelease = requires(Inst& i) { i.release_idle_memory(); };

  InstancePool(PoolPlan plan, Factory factory)
      : plan_(std::move(plan)), factory_(std::move(factory)), permits_(plan_.max) {
    if (plan_.type == "lazy" || kCanRelease) {
      last_return_ns_ = coarse_now_ns();  // an idle period starts at creation
      reaper_id_ = IdleReaper::add([this](int64_t now_ns) { reap_idle(now_ns); }, kIdleTimeout / 2);
    }
  }
  ~InstancePool() {
    if (reaper_id_) IdleReaper::remove(reaper_id_);
  }
  InstancePool(const InstancePool&) = delete;
  InstancePool& operator=(const InstancePool&) = delete;

  // When none is leased and the last one came back at least kIdleTimeout before `now_ns`
  // (steady-clock ns): a lazy pool closes every idle instance; any other pool keeps its
  // instances but has each release its guest memory (once per idle period), so an idle app
  // holds no private memory for its pools (issue 11). Returns how many instances it closed or
  // trimmed. Called by the IdleReaper (public for tests).
  size_t reap_idle(int64_t now_ns) {
    std::vector<std::unique_ptr<Inst>> taken;
    {
      std::lock_guard lock(mu_);
      if (leased_ != 0 || trimmed_ || now_ns - last_return_ns_ < std::chrono::nanoseconds(kIdleTimeout).count())
        return 0;
      taken.swap(idle_);
      for (auto& f : fresh_) taken.push_back(std::move(f));
      fresh_.clear();
      if (plan_.type != "lazy") trimmed_ = true;
    }
    size_t n = taken.size();
    if (plan_.type == "lazy") return n;  // destroyed here, outside the lock
    if constexpr (kCanRelease) {
      // Outside the lock (munmap per memory). An acquire meanwhile finds none idle and makes
      // an instance; that is rare (30 s of idleness just ended) and harmless.
      for (auto& inst : taken) inst->release_idle_memory();
    }
    std::lock_guard lock(mu_);
    // Back as used instances: acquire resets them, which instantiates them afresh.
    for (auto& inst : taken) idle_.push_back(std::move(inst));
    return n;
  }
  // Instances kept for reuse (idle and never used).
  size_t idle_count() {
    std::lock_guard lock(mu_);
    return idle_.size() + fresh_.size();
  }

  // Creates the instances a static/inline/adaptive pool starts with (boot time).
  core::Status warm() {
    for (size_t i = 0; i < plan_.initial; ++i) {
      auto inst = factory_();
      if (!inst) return std::move(inst).error();
      std::lock_guard lock(mu_);
      fresh_.push_back(std::move(*inst));
    }
    return {};
  }

  // A leased instance; returns to the pool when destroyed.
  class Lease {
   public:
    Lease(InstancePool* pool, std::unique_ptr<Inst> inst) : pool_(pool), inst_(std::move(inst)) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), inst_(std::move(o.inst_)) { o.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ && inst_) pool_->give_back(std::move(inst_));
    }
    Inst* operator->() const { return inst_.get(); }
    Inst& operator*() const { return *inst_; }

   private:
    InstancePool* pool_;
    std::unique_ptr<Inst> inst_;
  };

  // Waits for a permit, then returns a never-used instance, an idle one reset to fresh state
  // (DESIGN §1.2: every call sees fresh guest state), or a new one. The wait and the reset end
  // at `deadline_ns` (steady-clock ns, 0 = none) with Timeout. With `held_by_caller` (the
  // caller's own call chain holds an instance of this pool) it never waits: when no instance
  // is free the call would wait for itself, so it fails at once with Unavailable.
  core::Result<Lease> acquire(int64_t deadline_ns = 0, bool held_by_caller = false) {
    if (held_by_caller) {
      if (!permits_.try_acquire())
        return core::unavailable(fmt::format(
            "re-entered from its own call chain while all {} of its instances are in use by that chain "
            "(waiting would never end; use a pool with more instances)",
            plan_.max));
    } else if (!permits_.acquire(sched::deadline_from_ns(deadline_ns))) {
      return core::timeout(fmt::format("no free instance (all {} in use) before the call's deadline", plan_.max));
    }
    std::unique_ptr<Inst> inst;
    bool needs_reset = false;
    {
      std::lock_guard lock(mu_);
      ++leased_;
      if (!fresh_.empty()) {
        inst = std::move(fresh_.back());
        fresh_.pop_back();
      } else if (!idle_.empty()) {
        inst = std::move(idle_.back());
        idle_.pop_back();
        needs_reset = true;
      }
    }
    if (needs_reset) {
      core::Status st = inst->reset(deadline_ns);
      if (!st) {
        inst.reset();  // freed with everything it holds
        if (st.error().kind() == core::ErrorKind::Timeout) {
          // The start function ran past the call's deadline or max_execution_ms: the call fails,
          // as it would if the guest code itself had.
          not_leased();
          permits_.release();
          return std::move(st).error().wrap("resetting the instance");
        }
        // Any other failed reset: make a new instance.
      }
    }
    if (!inst) {
      auto created = factory_();
      if (!created) {
        not_leased();
        permits_.release();
        return std::move(created).error();
      }
      inst = std::move(*created);
    }
    return Lease(this, std::move(inst));
  }

  const PoolPlan& plan() const { return plan_; }

 private:
  // The coarse clock (vDSO, no rdtsc; a few ms behind steady_clock) is plenty for a 30 s
  // timeout.
  static int64_t coarse_now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }
  void give_back(std::unique_ptr<Inst> inst) {
    int64_t now = reaper_id_ ? coarse_now_ns() : 0;
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(inst));
      --leased_;
      last_return_ns_ = now;
      trimmed_ = false;
    }
    permits_.release();
  }
  void not_leased() {
    std::lock_guard lock(mu_);
    --leased_;
  }

  PoolPlan plan_;
  Factory factory_;
  sched::FiberSemaphore permits_;
  core::SpinLock mu_;  // guards the lists and counters below: a few instructions each time
  std::vector<std::unique_ptr<Inst>> idle_;   // used before: reset on acquire
  std::vector<std::unique_ptr<Inst>> fresh_;  // never called: no reset needed
  size_t leased_ = 0;                         // guarded by mu_
  int64_t last_return_ns_ = 0;                // guarded by mu_
  bool trimmed_ = false;                      // guarded by mu_: released since the last return
  uint64_t reaper_id_ = 0;
};

}  // namespace wirt::host

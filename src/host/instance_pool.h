// A pool of instances for one WASM entry (reference-wasm-runtime §4): at most `plan.max`
// instances exist; callers beyond that wait (FIFO, suspending their fiber — pools never
// reject); idle instances are reused after a cheap reset (fresh guest state per call).
// `Inst` is wasm::Instance (core modules) or component::ComponentInstance: anything with
// `core::Status reset()`.
//
// Thread-safe: acquire/release from fibers on any worker. An instance is used by one call at
// a time, and a used instance is reset before its next use.
#pragma once

#include <functional>
#include <memory>

#include <fmt/format.h>
#include <mutex>
#include <vector>

#include "core/result.h"
#include "host/wasm_config.h"
#include "sched/semaphore.h"

namespace wirt::host {

template <typename Inst>
class InstancePool {
 public:
  using Factory = std::function<core::Result<std::unique_ptr<Inst>>()>;

  InstancePool(PoolPlan plan, Factory factory)
      : plan_(std::move(plan)), factory_(std::move(factory)), permits_(plan_.max) {}

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
          permits_.release();
          return std::move(st).error().wrap("resetting the instance");
        }
        // Any other failed reset: make a new instance.
      }
    }
    if (!inst) {
      auto created = factory_();
      if (!created) {
        permits_.release();
        return std::move(created).error();
      }
      inst = std::move(*created);
    }
    return Lease(this, std::move(inst));
  }

  const PoolPlan& plan() const { return plan_; }

 private:
  void give_back(std::unique_ptr<Inst> inst) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(inst));
    }
    permits_.release();
  }

  PoolPlan plan_;
  Factory factory_;
  sched::FiberSemaphore permits_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Inst>> idle_;   // used before: reset on acquire
  std::vector<std::unique_ptr<Inst>> fresh_;  // never called: no reset needed
};

}  // namespace wirt::host

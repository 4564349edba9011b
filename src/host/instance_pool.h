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
  // (DESIGN §1.2: every call sees fresh guest state), or a new one.
  core::Result<Lease> acquire() {
    permits_.acquire();
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
    if (needs_reset && !inst->reset()) inst.reset();  // a failed reset: make a new one
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

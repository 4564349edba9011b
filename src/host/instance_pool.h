// A pool of wasm instances for one function entry (reference-wasm-runtime §4): at most
// `plan.max` instances exist; callers beyond that wait (FIFO, suspending their fiber — pools
// never reject); idle instances are reused after a cheap reset (fresh guest state per call).
//
// Thread-safe: acquire/release from fibers on any worker. An instance is used by one call at
// a time, and a trapped or interrupted instance is reset before its next use.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.h"
#include "host/wasm_config.h"
#include "sched/semaphore.h"
#include "wasm/instance.h"

namespace wirt::host {

class InstancePool {
 public:
  using Factory = std::function<core::Result<std::unique_ptr<wasm::Instance>>()>;

  InstancePool(PoolPlan plan, Factory factory) : plan_(std::move(plan)), factory_(std::move(factory)), permits_(plan_.max) {}

  // Creates the instances a static/inline/adaptive pool starts with (boot time).
  core::Status warm();

  // A leased instance; returns to the pool when destroyed.
  class Lease {
   public:
    Lease(InstancePool* pool, std::unique_ptr<wasm::Instance> inst) : pool_(pool), inst_(std::move(inst)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (pool_ && inst_) pool_->give_back(std::move(inst_));
    }
    wasm::Instance* operator->() const { return inst_.get(); }
    wasm::Instance& operator*() const { return *inst_; }
    // Drops the instance instead of returning it (e.g. it could not be reset).
    void discard();

   private:
    InstancePool* pool_;
    std::unique_ptr<wasm::Instance> inst_;
  };

  // Waits for a permit, then returns an idle instance reset to fresh state, or a new one.
  core::Result<Lease> acquire();
  const PoolPlan& plan() const { return plan_; }

 private:
  void give_back(std::unique_ptr<wasm::Instance> inst);

  PoolPlan plan_;
  Factory factory_;
  sched::FiberSemaphore permits_;
  std::mutex mu_;
  std::vector<std::unique_ptr<wasm::Instance>> idle_;      // used before: reset on acquire
  std::vector<std::unique_ptr<wasm::Instance>> fresh_;     // never called: no reset needed
};

}  // namespace wirt::host

#include "host/instance_pool.h"

namespace wirt::host {

core::Status InstancePool::warm() {
  for (size_t i = 0; i < plan_.initial; ++i) {
    auto inst = factory_();
    if (!inst) return std::move(inst).error();
    std::lock_guard lock(mu_);
    fresh_.push_back(std::move(*inst));
  }
  return {};
}

void InstancePool::Lease::discard() {
  if (pool_ && inst_) {
    inst_.reset();
    pool_->permits_.release();
  }
  pool_ = nullptr;
}

core::Result<InstancePool::Lease> InstancePool::acquire() {
  permits_.acquire();
  std::unique_ptr<wasm::Instance> inst;
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
    // Every call sees fresh guest state (DESIGN §1.2): memory, globals and tables as after
    // instantiation. A failed reset drops the instance and makes a new one.
    if (auto st = inst->reset(); !st) inst.reset();
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

void InstancePool::give_back(std::unique_ptr<wasm::Instance> inst) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(inst));
  }
  permits_.release();
}

}  // namespace wirt::host

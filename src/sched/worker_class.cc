#include "sched/worker_class.h"

#include <sched.h>

#include <algorithm>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "sched/stop_signal.h"

namespace wirt::sched {

std::vector<int> allowed_cpus() {
  std::vector<int> out;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) out.push_back(c);
  }
  if (out.empty()) {
    for (unsigned c = 0; c < std::max(1u, std::thread::hardware_concurrency()); ++c) out.push_back(static_cast<int>(c));
  }
  return out;
}

WorkerClassPlan plan_worker_class(bool enabled, int64_t reserved_cores, int64_t workers, const std::vector<int>& cpus,
                                  const std::vector<int>& allowed) {
  WorkerClassPlan plan;
  if (!enabled) {
    // reference-wasm-runtime §4.3: workers default to min(NumCPU, 4) without reserved cores.
    plan.workers = workers > 0 ? static_cast<size_t>(workers) : std::min<size_t>(std::max<size_t>(allowed.size(), 1), 4);
    return plan;
  }
  if (!cpus.empty()) {
    plan.cpus = cpus;
  } else {
    size_t n = std::min<size_t>(std::max<int64_t>(reserved_cores, 1), allowed.size());
    plan.cpus.assign(allowed.end() - static_cast<ptrdiff_t>(n), allowed.end());
  }
  for (int c : allowed)
    if (std::find(plan.cpus.begin(), plan.cpus.end(), c) == plan.cpus.end()) plan.main_cpus.push_back(c);
  plan.workers = workers > 0 ? static_cast<size_t>(workers) : std::max<size_t>(plan.cpus.size(), 1);
  return plan;
}

namespace {

// The hand-over between the caller and the fiber on the class.
struct Handoff {
  enum class Phase { Queued, Running, Done, Withdrawn };
  std::mutex mu;
  Phase phase = Phase::Queued;
  Waker waker;  // the caller's current waker
  std::optional<core::Result<core::Value>> result;
};

}  // namespace

core::Result<core::Value> call_on(Scheduler& target, const std::function<core::Result<core::Value>()>& fn,
                                  const Deadline& deadline, const std::string& what) {
  if (!this_fiber::active()) {
    // A plain thread (tests, tools): block it.
    std::promise<core::Result<core::Value>> done;
    auto fut = done.get_future();
    target.spawn([&] { done.set_value(fn()); });
    return fut.get();
  }
  auto h = std::make_shared<Handoff>();
  // A process's terminate (or its cancel deadline) must reach the call where it runs: the class
  // fiber is bound to the caller's StopSignal, so its waits end and its guest code is
  // interrupted (host/wasm_function.cc publishes the bound flag to Instance::set_call_stop).
  std::shared_ptr<StopSignal> stop = this_fiber::shared_stop_signal();
  // `fn` is only touched while the caller is suspended (it cannot have returned: a started call
  // is always waited for).
  auto run = [h, &fn, stop] {
    {
      std::lock_guard lock(h->mu);
      if (h->phase == Handoff::Phase::Withdrawn) return;
      h->phase = Handoff::Phase::Running;
    }
    if (stop) this_fiber::bind_stop(stop);
    auto r = fn();
    if (stop) this_fiber::bind_stop(nullptr);
    Waker w;
    {
      std::lock_guard lock(h->mu);
      h->result.emplace(std::move(r));
      h->phase = Handoff::Phase::Done;
      w = h->waker;
    }
    w.wake();
  };
  bool woken = this_fiber::suspend_until(
      [&](Waker w) {
        {
          std::lock_guard lock(h->mu);
          h->waker = w;
        }
        target.spawn(run);
      },
      deadline);
  if (!woken) {
    std::unique_lock lock(h->mu);
    if (h->phase == Handoff::Phase::Queued) {
      h->phase = Handoff::Phase::Withdrawn;
      // Stopped while queued: the call never started, nothing to interrupt.
      if (stop && stop->requested()) return core::canceled(fmt::format("process stopped before calling {}", what));
      return core::timeout(fmt::format("deadline exceeded before calling {} (queued on the wasm worker class)", what));
    }
    if (h->phase == Handoff::Phase::Running) {
      lock.unlock();
      this_fiber::suspend([&](Waker w) {
        std::lock_guard relock(h->mu);
        if (h->phase == Handoff::Phase::Done) w.wake();
        else h->waker = w;
      });
    }
  }
  std::lock_guard lock(h->mu);
  return std::move(*h->result);
}

}  // namespace wirt::sched

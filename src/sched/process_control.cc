// terminate and cancel (processes.h; process module spec `terminate`, `cancel`).
//
// terminate requests the process's StopSignal (sched/stop_signal.h): its current and later
// waits end at once, Lua code is stopped by the deadline hook and WASM guest code by the
// watchdog, and its EXIT result is the reason given here, whatever its unwinding returned.
// cancel is the polite form: a CANCEL event on the target's events channel, and, with a
// deadline, terminate when the target is still running then.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "sched/processes.h"

namespace wirt::sched {

core::Status ProcessTable::terminate(const std::string& pid, std::optional<core::Error> reason) {
  // On another node: its node terminates it (the EXIT says "process terminated").
  if (is_remote(pid)) return remote_.control("terminate", pid, "", std::nullopt);
  std::shared_ptr<StopSignal> stop;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(pid);
    if (it == records_.end()) return core::not_found(fmt::format("process not found: {}", pid));
    Record& r = it->second;
    if (!r.stop) return core::unavailable(fmt::format("process {} is not running on a fiber and cannot be terminated", pid));
    if (!r.killed) r.killed = reason ? std::move(*reason) : core::canceled("process terminated");
    stop = r.stop;
  }
  stop->request();
  return {};
}

core::Status ProcessTable::cancel(const std::string& from, const std::string& pid, std::optional<core::Nanos> deadline) {
  if (is_remote(pid)) return remote_.control("cancel", pid, from, deadline);
  std::shared_ptr<Mailbox> mb;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(pid);
    if (it == records_.end()) return core::not_found(fmt::format("process not found: {}", pid));
    mb = it->second.mailbox;
  }
  core::Value ev = core::Value::map();
  ev.set("kind", core::Value("pid.cancel"));
  ev.set("from", core::Value(from));
  if (deadline) {
    // The wall-clock moment the target will be terminated at, as an RFC 3339 timestamp.
    auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(*deadline));
    ev.set("deadline", core::Value(fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", at)));
  }
  if (!mb->events->try_send(std::move(ev))) return core::unavailable(fmt::format("events channel of {} is full", pid));
  if (!deadline) return {};
  auto alive = alive_;
  core::Nanos wait = *deadline;
  scheduler_->spawn([this, alive, pid, wait] {
    this_fiber::sleep_for(wait);
    if (!alive->load() || !this->alive(pid)) return;
    (void)terminate(pid, core::canceled(fmt::format("process {} did not exit by its cancel deadline", pid)));
  });
  return {};
}

}  // namespace wirt::sched

// process.host admission (processes.h ProcessHostConfig): `workers` processes of a host run at
// once, `queue_size` more wait in order, and a spawn beyond both fails at once with Unavailable
// (retryable) instead of piling up without bound. A host whose lifecycle.auto_start is not true
// never runs (reference-platform §1.5): spawning on it fails.
#include <fmt/format.h>

#include "sched/processes.h"

namespace wirt::sched {

void ProcessTable::add_host(std::string id, ProcessHostConfig config) {
  std::lock_guard lock(mu_);
  hosts_[std::move(id)].config = config;
}

bool ProcessTable::has_host(const std::string& id) const {
  std::lock_guard lock(mu_);
  return hosts_.count(id) != 0;
}

size_t ProcessTable::host_load(const std::string& host) const {
  std::lock_guard lock(mu_);
  auto it = hosts_.find(host);
  return it == hosts_.end() ? 0 : it->second.running + it->second.queued.size();
}

core::Status ProcessTable::admit(const std::string& host, std::function<void()> run) {
  {
    std::lock_guard lock(mu_);
    auto it = hosts_.find(host);
    if (it == hosts_.end()) return core::not_found(fmt::format("process host not found: {}", host));
    Host& h = it->second;
    if (!h.config.running) {
      return core::unavailable(fmt::format("process host {} is not running (its lifecycle.auto_start is not true)", host));
    }
    if (h.config.workers != 0 && h.running >= h.config.workers) {
      if (h.queued.size() >= h.config.queue_size) {
        return core::Error(core::ErrorKind::Unavailable,
                           fmt::format("process host {} is full: {} running (host.workers) and {} queued (host.queue_size)",
                                       host, h.running, h.queued.size()))
            .with_retryable(true);
      }
      h.queued.push_back(std::move(run));
      return {};
    }
    ++h.running;
  }
  run();
  return {};
}

std::function<void()> ProcessTable::release_locked(const std::string& host) {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return nullptr;
  Host& h = it->second;
  if (h.running > 0) --h.running;
  if (h.queued.empty()) return nullptr;
  std::function<void()> next = std::move(h.queued.front());
  h.queued.pop_front();
  ++h.running;
  return next;
}

}  // namespace wirt::sched

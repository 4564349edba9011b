// Links, monitors and what a process's exit sets off (processes.h; reference-platform §4
// "Exit": EXIT to monitors; on an abnormal exit LINK_DOWN to linked peers that trap links,
// termination of those that do not; a normal exit unlinks silently).
#include <fmt/format.h>

#include "sched/processes.h"

namespace wirt::sched {

namespace {
core::Error not_running(const std::string& pid) { return core::not_found(fmt::format("process not found: {}", pid)); }
}  // namespace

void ProcessTable::collect_exit_locked(const std::string& pid, Record& r, bool abnormal, ExitWork* work) {
  for (const std::string& watcher : r.monitors) {
    auto it = records_.find(watcher);
    if (it == records_.end()) continue;
    it->second.watching.erase(pid);
    work->events.push_back(it->second.mailbox->events);
  }
  for (const std::string& target : r.watching) {
    auto it = records_.find(target);
    if (it != records_.end()) it->second.monitors.erase(pid);
  }
  for (const std::string& peer : r.links) {
    auto it = records_.find(peer);
    if (it == records_.end()) continue;
    it->second.links.erase(pid);
    if (!abnormal) continue;
    if (it->second.trap_links) work->link_events.push_back(it->second.mailbox->events);
    else work->doomed.push_back(peer);
  }
  for (const std::string& name : r.names) names_.erase(name);
  for (auto& [topic, listeners] : r.topics)
    for (auto& l : listeners) work->listeners.push_back(l.channel);
  if (!r.host.empty()) work->next = release_locked(r.host);
  records_.erase(pid);
}

void ProcessTable::deliver_exit(const std::string& pid, const core::Result<core::Value>& result, ExitWork& work) {
  if (!work.events.empty()) {
    core::Value ev = exit_event(pid, result);
    for (auto& ch : work.events) ch->try_send(ev);
  }
  if (!work.link_events.empty()) {
    core::Value ev = link_down_event(pid, result);
    for (auto& ch : work.link_events) ch->try_send(ev);
  }
  for (const std::string& peer : work.doomed) {
    // The peer dies with the error that ended this process (reference-platform §4 "Exit").
    core::Error why = result ? core::canceled(fmt::format("linked process {} exited", pid)) : result.error();
    why.wrap(fmt::format("linked process {} failed", pid));
    (void)terminate(peer, std::move(why));
  }
  for (auto& ch : work.listeners) ch->close();
  if (work.next) work.next();
}

core::Status ProcessTable::link(const std::string& a, const std::string& b) {
  if (a == b) return core::invalid("a process cannot link to itself");
  std::lock_guard lock(mu_);
  if (!records_.count(b)) return not_running(b);
  record_locked(a).links.insert(b);
  records_[b].links.insert(a);
  return {};
}

core::Status ProcessTable::unlink(const std::string& a, const std::string& b) {
  std::lock_guard lock(mu_);
  if (auto it = records_.find(a); it != records_.end()) it->second.links.erase(b);
  if (auto it = records_.find(b); it != records_.end()) it->second.links.erase(a);
  return {};
}

core::Status ProcessTable::monitor(const std::string& watcher, const std::string& target) {
  if (watcher == target) return core::invalid("a process cannot monitor itself");
  std::lock_guard lock(mu_);
  if (!records_.count(target)) return not_running(target);
  record_locked(watcher).watching.insert(target);
  records_[target].monitors.insert(watcher);
  return {};
}

core::Status ProcessTable::unmonitor(const std::string& watcher, const std::string& target) {
  std::lock_guard lock(mu_);
  if (auto it = records_.find(watcher); it != records_.end()) it->second.watching.erase(target);
  if (auto it = records_.find(target); it != records_.end()) it->second.monitors.erase(watcher);
  return {};
}

core::Status ProcessTable::set_trap_links(const std::string& pid, bool trap) {
  std::lock_guard lock(mu_);
  record_locked(pid).trap_links = trap;
  return {};
}

bool ProcessTable::trap_links(const std::string& pid) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(pid);
  return it != records_.end() && it->second.trap_links;
}

}  // namespace wirt::sched

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
  // Ties to processes of other nodes become notices to their nodes (process_remote.cc).
  for (const std::string& watcher : r.monitors) {
    if (is_remote(watcher)) work->remote.emplace_back("exit", watcher);
    auto it = records_.find(watcher);
    if (it == records_.end()) continue;
    it->second.watching.erase(pid);
    work->events.push_back(it->second.mailbox->events);
  }
  for (const std::string& target : r.watching) {
    if (is_remote(target)) work->remote.emplace_back("unmonitor", target);
    auto it = records_.find(target);
    if (it != records_.end()) it->second.monitors.erase(pid);
  }
  for (const std::string& peer : r.links) {
    if (is_remote(peer)) work->remote.emplace_back(abnormal ? "link_down" : "unlink", peer);
    auto it = records_.find(peer);
    if (it == records_.end()) continue;
    it->second.links.erase(pid);
    if (!abnormal) continue;
    if (it->second.trap_links) work->link_events.push_back(it->second.mailbox->events);
    else work->doomed.push_back(peer);
  }
  for (const std::string& name : r.names) names_.erase(name);
  if (remote_.release_name) work->names.assign(r.names.begin(), r.names.end());
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
  for (const auto& [op, peer] : work.remote) remote_.tell(op, peer, pid, result);
  for (const std::string& name : work.names) (void)remote_.release_name(name, pid);
  for (auto& ch : work.listeners) ch->close();
  if (work.next) work.next();
}

// `a` (the caller) and `b`; when `b` runs on another node, this node records `a`'s side first
// (so a LINK_DOWN racing the answer finds it) and that node records `b`'s side or refuses.
// When `a` is remote (the request came from its node), only `b`'s side is kept here.
core::Status ProcessTable::link(const std::string& a, const std::string& b) {
  if (a == b) return core::invalid("a process cannot link to itself");
  if (is_remote(b)) return remote_tie("link", a, b);
  std::lock_guard lock(mu_);
  if (!records_.count(b)) return not_running(b);
  if (!is_remote(a)) record_locked(a).links.insert(b);
  records_[b].links.insert(a);
  return {};
}

core::Status ProcessTable::unlink(const std::string& a, const std::string& b) {
  {
    std::lock_guard lock(mu_);
    if (auto it = records_.find(a); it != records_.end()) it->second.links.erase(b);
    if (auto it = records_.find(b); it != records_.end()) it->second.links.erase(a);
  }
  if (is_remote(b)) remote_.tell("unlink", b, a, core::Value());
  return {};
}

core::Status ProcessTable::monitor(const std::string& watcher, const std::string& target) {
  if (watcher == target) return core::invalid("a process cannot monitor itself");
  if (is_remote(target)) return remote_tie("monitor", watcher, target);
  std::lock_guard lock(mu_);
  if (!records_.count(target)) return not_running(target);
  if (!is_remote(watcher)) record_locked(watcher).watching.insert(target);
  records_[target].monitors.insert(watcher);
  return {};
}

core::Status ProcessTable::unmonitor(const std::string& watcher, const std::string& target) {
  {
    std::lock_guard lock(mu_);
    if (auto it = records_.find(watcher); it != records_.end()) it->second.watching.erase(target);
    if (auto it = records_.find(target); it != records_.end()) it->second.monitors.erase(watcher);
  }
  if (is_remote(target)) remote_.tell("unmonitor", target, watcher, core::Value());
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

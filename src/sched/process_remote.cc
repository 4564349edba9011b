// Links and monitors between processes of different cluster nodes (processes.h; docs/cluster.md
// §4 "ctl", §6). Each node keeps its own side of a tie in its records, exactly as for two local
// processes: the watcher's record lists the remote target in `watching`/`links`, the target's
// record lists the remote watcher in `monitors`/`links`. When a process ends, its ties to
// remote PIDs become notices to their nodes (collect_exit_locked → RemoteProcesses::tell); when
// a node is lost, peers_lost() ends every tie to its processes as a failure (Unavailable), so a
// watcher never waits on a process nobody can report on.
#include <fmt/format.h>

#include <algorithm>

#include "sched/processes.h"

namespace wirt::sched {

namespace {
// How many tie-downs that came before their tie are remembered (a linked remote child that
// failed before its spawn reply was processed).
constexpr size_t kMaxEarlyNotices = 4096;
}  // namespace

bool ProcessTable::is_remote(std::string_view pid) const {
  if (remote_.node.empty() || !remote_.control) return false;
  std::string_view node = node_of(pid);
  return !node.empty() && node != remote_.node;
}

core::Status ProcessTable::remote_tie(const char* op, const std::string& local, const std::string& remote) {
  const bool link = std::string_view(op) == "link";
  {
    std::lock_guard lock(mu_);
    Record& r = record_locked(local);
    (link ? r.links : r.watching).insert(remote);
  }
  auto st = remote_.control(op, remote, local, std::nullopt);
  if (!st) {
    std::lock_guard lock(mu_);
    if (auto it = records_.find(local); it != records_.end()) (link ? it->second.links : it->second.watching).erase(remote);
  }
  return st;
}

core::Result<std::string> ProcessTable::tie_remote_child(const std::string& parent, core::Result<std::string> child,
                                                          bool monitor) {
  if (!child) return child;
  std::vector<EarlyNotice> early;
  {
    std::lock_guard lock(mu_);
    Record& r = record_locked(parent);
    r.links.insert(*child);
    if (monitor) r.watching.insert(*child);
    auto [first, last] = early_notices_.equal_range(*child);
    for (auto it = first; it != last; ++it) early.push_back(std::move(it->second));
    early_notices_.erase(first, last);
  }
  // "exit" before "link_down": the order the child's node sent them in.
  std::stable_sort(early.begin(), early.end(), [](const EarlyNotice& a, const EarlyNotice& b) { return a.op == "exit" && b.op != "exit"; });
  for (const auto& n : early) (void)remote_notice(n.op, parent, *child, n.result);
  return child;
}

core::Status ProcessTable::remote_notice(const std::string& op, const std::string& to, const std::string& from,
                                         const core::Result<core::Value>& result) {
  std::shared_ptr<Channel> events;
  bool doomed = false;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(to);
    if (it == records_.end()) return core::not_found(fmt::format("process not found: {}", to));
    Record& r = it->second;
    bool early = false;
    if (op == "unlink") {
      early = !r.links.erase(from);
    } else if (op == "unmonitor") {
      r.monitors.erase(from);
    } else if (op == "exit") {
      if (r.watching.erase(from)) events = r.mailbox->events;
      else early = true;
    } else if (op == "link_down") {
      if (r.links.erase(from)) {
        if (r.trap_links) events = r.mailbox->events;
        else doomed = true;
      } else {
        early = true;
      }
    } else {
      return core::invalid(fmt::format("unknown process notice {}", op));
    }
    if (early) {
      early_notices_.emplace(from, EarlyNotice{op, to, result});
      early_order_.push_back(from);
      while (early_order_.size() > kMaxEarlyNotices) {
        early_notices_.erase(early_order_.front());
        early_order_.pop_front();
      }
    }
  }
  if (events) events->try_send(op == "exit" ? exit_event(from, result) : link_down_event(from, result));
  if (doomed) {
    // As for a local link (process_links.cc deliver_exit): the peer dies with that error.
    core::Error why = result ? core::canceled(fmt::format("linked process {} exited", from)) : result.error();
    why.wrap(fmt::format("linked process {} failed", from));
    (void)terminate(to, std::move(why));
  }
  return {};
}

void ProcessTable::peers_lost(const std::function<bool(std::string_view node)>& lost, const core::Error& why) {
  struct Down {
    std::string remote;
    std::shared_ptr<Channel> events;
    bool link = false;
  };
  std::vector<Down> exits;
  std::vector<std::pair<std::string, std::string>> doomed;  // local, remote
  auto gone = [&](const std::string& pid) { return is_remote(pid) && lost(node_of(pid)); };
  {
    std::lock_guard lock(mu_);
    for (auto& [pid, r] : records_) {
      for (auto it = r.watching.begin(); it != r.watching.end();) {
        if (!gone(*it)) { ++it; continue; }
        exits.push_back({*it, r.mailbox->events, false});
        it = r.watching.erase(it);
      }
      for (auto it = r.links.begin(); it != r.links.end();) {
        if (!gone(*it)) { ++it; continue; }
        if (r.trap_links) exits.push_back({*it, r.mailbox->events, true});
        else doomed.emplace_back(pid, *it);
        it = r.links.erase(it);
      }
      std::erase_if(r.monitors, gone);  // remote watchers of local processes: nobody to tell
    }
  }
  for (const auto& d : exits) {
    core::Result<core::Value> result = core::Error(why).wrap(fmt::format("process {}", d.remote));
    d.events->try_send(d.link ? link_down_event(d.remote, result) : exit_event(d.remote, result));
  }
  for (const auto& [local, remote] : doomed) {
    core::Error e = core::Error(why).wrap(fmt::format("linked process {} failed", remote));
    (void)terminate(local, std::move(e));
  }
}

}  // namespace wirt::sched

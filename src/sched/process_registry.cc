// Process names of process.registry (process module spec "process.registry"). A name points at
// one running process and is freed when that process exits (collect_exit_locked). A single node
// keeps them here; in a cluster with names (RemoteProcesses::claim_name) they are cluster-wide
// (docs/cluster.md §7) and this table keeps only its own processes' names.
#include <fmt/format.h>

#include "sched/processes.h"

namespace wirt::sched {

core::Status ProcessTable::register_name(const std::string& name, const std::string& pid) {
  if (name.empty()) return core::invalid("name cannot be empty");
  if (name.front() == '{') return core::invalid(fmt::format("name {} looks like a PID", name));
  if (cluster_names()) return register_cluster_name(name, pid);
  std::lock_guard lock(mu_);
  auto rec = records_.find(pid);
  if (rec == records_.end()) return core::not_found(fmt::format("process not found: {}", pid));
  auto it = names_.find(name);
  if (it != names_.end()) {
    if (it->second == pid) return {};
    return core::Error(core::ErrorKind::AlreadyExists, fmt::format("name already registered: {}", name));
  }
  names_[name] = pid;
  rec->second.names.insert(name);
  return {};
}

// In a cluster the bucket decides (one holder cluster-wide); names_ keeps the names this node's
// processes hold, so they are released when their holder exits.
core::Status ProcessTable::register_cluster_name(const std::string& name, const std::string& pid) {
  {
    std::lock_guard lock(mu_);
    if (!records_.count(pid)) return core::not_found(fmt::format("process not found: {}", pid));
    if (auto it = names_.find(name); it != names_.end() && it->second == pid) return {};
  }
  if (auto st = remote_.claim_name(name, pid); !st) return st;
  std::lock_guard lock(mu_);
  auto rec = records_.find(pid);
  if (rec == records_.end()) {
    (void)remote_.release_name(name, pid);  // it exited meanwhile
    return core::not_found(fmt::format("process not found: {}", pid));
  }
  names_[name] = pid;
  rec->second.names.insert(name);
  return {};
}

core::Result<std::string> ProcessTable::lookup(const std::string& name) const {
  {
    std::lock_guard lock(mu_);
    auto it = names_.find(name);
    if (it != names_.end()) return it->second;
  }
  if (cluster_names()) return remote_.lookup_name(name);
  return core::not_found("name not registered");
}

bool ProcessTable::unregister_name(const std::string& name) {
  std::string holder;
  {
    std::lock_guard lock(mu_);
    auto it = names_.find(name);
    if (it != names_.end()) {
      holder = it->second;
      if (auto rec = records_.find(it->second); rec != records_.end()) rec->second.names.erase(name);
      names_.erase(it);
    }
  }
  if (!cluster_names()) return !holder.empty();
  // A name another node's process holds is released there too (compare-and-set on its holder).
  if (holder.empty()) {
    auto pid = remote_.lookup_name(name);
    if (!pid) return false;
    holder = *pid;
  }
  return static_cast<bool>(remote_.release_name(name, holder));
}

core::Result<std::string> ProcessTable::resolve_locked(const std::string& pid_or_name) const {
  if (!pid_or_name.empty() && pid_or_name.front() == '{') return pid_or_name;
  auto it = names_.find(pid_or_name);
  if (it == names_.end()) return core::not_found(fmt::format("could not resolve: {}", pid_or_name));
  return it->second;
}

core::Result<std::string> ProcessTable::resolve(const std::string& pid_or_name) const {
  {
    std::lock_guard lock(mu_);
    auto pid = resolve_locked(pid_or_name);
    if (pid || !cluster_names()) return pid;
  }
  // A name held by a process of another node.
  if (auto held = remote_.lookup_name(pid_or_name)) return held;
  return core::not_found(fmt::format("could not resolve: {}", pid_or_name));
}

}  // namespace wirt::sched

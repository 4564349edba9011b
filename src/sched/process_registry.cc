// Process names: the LOCAL scope of process.registry (process module spec "process.registry";
// a single node has no wider scope). A name points at one running process and is freed when
// that process exits (collect_exit_locked).
#include <fmt/format.h>

#include "sched/processes.h"

namespace wirt::sched {

core::Status ProcessTable::register_name(const std::string& name, const std::string& pid) {
  if (name.empty()) return core::invalid("name cannot be empty");
  if (name.front() == '{') return core::invalid(fmt::format("name {} looks like a PID", name));
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

core::Result<std::string> ProcessTable::lookup(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = names_.find(name);
  if (it == names_.end()) return core::not_found("name not registered");
  return it->second;
}

bool ProcessTable::unregister_name(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = names_.find(name);
  if (it == names_.end()) return false;
  if (auto rec = records_.find(it->second); rec != records_.end()) rec->second.names.erase(name);
  names_.erase(it);
  return true;
}

core::Result<std::string> ProcessTable::resolve_locked(const std::string& pid_or_name) const {
  if (!pid_or_name.empty() && pid_or_name.front() == '{') return pid_or_name;
  auto it = names_.find(pid_or_name);
  if (it == names_.end()) return core::not_found(fmt::format("could not resolve: {}", pid_or_name));
  return it->second;
}

core::Result<std::string> ProcessTable::resolve(const std::string& pid_or_name) const {
  std::lock_guard lock(mu_);
  return resolve_locked(pid_or_name);
}

}  // namespace wirt::sched

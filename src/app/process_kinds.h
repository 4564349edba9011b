// process.host, terminal.host and process.service entries (reference-platform §1.5, §2):
// hosts go to the process table with their `host: {workers, queue_size}` and
// lifecycle.auto_start; services go to the supervisor (sched/supervisor.h).
//
// Thread-safety: add() during boot (one thread); the supervisor is used after.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "registry/entry.h"
#include "sched/processes.h"
#include "sched/supervisor.h"

namespace wirt::app {

class ProcessKinds {
 public:
  ProcessKinds(sched::ProcessTable* processes, sched::Scheduler* scheduler)
      : processes_(processes), supervisor_(std::make_unique<sched::Supervisor>(processes, scheduler)) {}

  static bool handles(const std::string& kind) {
    return kind == "process.host" || kind == "terminal.host" || kind == "process.service";
  }
  // Errors name the field path; the boot adds the file and entry.
  [[nodiscard]] core::Status add(const registry::Entry& entry);
  // After every entry is in: each service's process and host must exist, its dependencies
  // must be services, without a cycle.
  [[nodiscard]] core::Status link(const std::vector<registry::Entry>& entries);

  const std::vector<std::string>& terminal_hosts() const { return terminal_hosts_; }
  sched::Supervisor& supervisor() { return *supervisor_; }

 private:
  sched::ProcessTable* processes_;
  std::unique_ptr<sched::Supervisor> supervisor_;
  std::vector<std::string> terminal_hosts_;
  std::vector<sched::ServiceSpec> services_;
};

// Parses a process.service entry (exposed for tests).
core::Result<sched::ServiceSpec> parse_service(const registry::Entry& entry);
// Parses the `host:` and `lifecycle.auto_start` of a process.host entry.
core::Result<sched::ProcessHostConfig> parse_process_host(const registry::Entry& entry);

}  // namespace wirt::app

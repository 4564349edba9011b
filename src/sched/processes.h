// Processes (reference-platform §4): a process is an invocation with a PID, an inbox and an
// events channel, started by spawn() on a process host and run to completion on its own fiber.
// Monitors get an EXIT event {kind="pid.exit", from=pid, result={value=…, error=…}} when it ends.
//
// Every Lua invocation may act as a process (call process.events(), spawn_monitored, receive
// messages): its mailbox is made on first use and dropped when the invocation ends.
//
// Thread-safety: all members are safe to call from fibers on any worker.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "core/value.h"
#include "sched/call_context.h"
#include "sched/channel.h"
#include "sched/scheduler.h"
#include "sched/security.h"

namespace wirt::sched {

struct Mailbox {
  std::shared_ptr<Channel> inbox = Channel::make(1024);   // messages {topic, from, payload}
  std::shared_ptr<Channel> events = Channel::make(1024);  // EXIT events of monitored children
};

// Runs a process entry with its arguments; the result decides the EXIT event.
using ProcessFactory = std::function<core::Result<core::Value>(const CallContext&, const core::Array& args)>;

// Where processes of other cluster nodes are reached (src/cluster/remote_processes.h). With a
// node name set, new PIDs name it: "{node@host|n}" (docs/cluster.md §1).
struct RemoteProcesses {
  std::string node;  // this node's name
  // Where PID numbers start (0: unchanged): a restarted node must not reuse the PIDs its last
  // incarnation gave out, which other nodes may still hold.
  uint64_t first_pid = 0;
  // Delivers `message` to `pid` on node `node` (fire and forget, as locally).
  std::function<core::Status(const std::string& node, const std::string& pid, core::Value message)> send;
  // Starts `id` on a node that has `host`; same contract as ProcessTable::spawn.
  std::function<core::Result<std::string>(const CallContext&, const std::string& id, const std::string& host,
                                          core::Array args, const std::string& monitor)>
      spawn;
};

class ProcessTable {
 public:
  ProcessTable(Scheduler* scheduler, const Policies* policies) : scheduler_(scheduler), policies_(policies) {}
  const Policies* policies() const { return policies_; }

  void add_factory(std::string id, ProcessFactory f) { factories_[std::move(id)] = std::move(f); }
  void add_host(std::string id) { hosts_[id] = true; }
  bool has_factory(const std::string& id) const { return factories_.count(id) != 0; }
  bool has_host(const std::string& id) const { return hosts_.count(id) != 0; }
  const ProcessFactory* factory(const std::string& id) const;

  // Set once, before calls start (the cluster joins right after boot).
  void set_remote(RemoteProcesses r) {
    if (r.first_pid) next_.store(r.first_pid);
    remote_ = std::move(r);
  }
  // The node a PID "{node@host|n}" names; "" for a PID without one (a local PID).
  static std::string_view node_of(std::string_view pid);

  // A fresh PID "{host|n}" ("{node@host|n}" in a cluster).
  std::string new_pid(const std::string& host);
  // The mailbox of `pid`, made when missing.
  std::shared_ptr<Mailbox> mailbox(const std::string& pid);
  std::shared_ptr<Mailbox> find(const std::string& pid) const;
  void drop(const std::string& pid);

  // Starts process `id` on `host` with `args`; `monitor` (a PID, or empty) gets its EXIT event.
  // The child inherits the caller's actor, scope and context values. Permissions:
  // process.spawn (process.spawn.monitored when monitored) on id, process.host on host.
  core::Result<std::string> spawn(const CallContext& caller, const std::string& id, const std::string& host,
                                  core::Array args, const std::string& monitor);
  // Delivers a message to `pid`'s inbox; NotFound when no such process is running.
  core::Status send(const std::string& pid, core::Value message);

  // The EXIT event value for a finished process.
  static core::Value exit_event(const std::string& pid, const core::Result<core::Value>& result);

 private:
  Scheduler* scheduler_;
  const Policies* policies_;
  std::map<std::string, ProcessFactory> factories_;
  std::map<std::string, bool> hosts_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Mailbox>> mailboxes_;
  std::atomic<uint64_t> next_{1};
  RemoteProcesses remote_;
};

}  // namespace wirt::sched

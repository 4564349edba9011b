// Processes (reference-platform §4; process module spec): a process is an invocation with a PID,
// an inbox and an events channel, started by spawn() on a process host and run to completion on
// its own fiber. The table also keeps what ties processes together:
// - monitors: a watcher gets an EXIT event {kind="pid.exit", from, result={value|error}} when
//   the watched process ends (processes.cc);
// - links: when a linked process ends abnormally its peer gets LINK_DOWN {kind="pid.link.down",
//   from, result} if it traps links, and is terminated with that error otherwise
//   (process_links.cc);
// - control: terminate (the process's StopSignal: waits end, Lua and WASM guest code is
//   interrupted) and cancel (a CANCEL event {kind="pid.cancel", from, deadline}, then terminate
//   at the deadline) (process_control.cc);
// - names: the LOCAL registry scope, freed when the owner exits (process_registry.cc);
// - topics: listen(topic) channels that take the messages sent to that topic (process_topics.cc);
// - hosts: `host: {workers, queue_size}` of process.host entries (process_hosts.cc).
//
// Every Lua invocation may act as a process (call process.events(), spawn_monitored, receive
// messages): its record is made on first use and dropped when the invocation ends.
//
// Thread-safety: all members are safe to call from fibers on any worker (one table mutex; no
// channel operation or wait happens under it).
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "sched/call_context.h"
#include "sched/channel.h"
#include "sched/scheduler.h"
#include "sched/security.h"
#include "sched/stop_signal.h"

namespace wirt::sched {

struct Mailbox {
  std::shared_ptr<Channel> inbox = Channel::make(1024);   // messages {topic, from, payload}
  std::shared_ptr<Channel> events = Channel::make(1024);  // EXIT, LINK_DOWN and CANCEL events
};

// Runs a process entry with its arguments; the result decides the EXIT event.
using ProcessFactory = std::function<core::Result<core::Value>(const CallContext&, const core::Array& args)>;

// `host:` of a process.host entry (reference-platform §2 process.host). wirt runs processes as
// fibers on the app's scheduler, so `workers` caps how many of this host's processes run at once
// (0 = no cap); `queue_size` caps how many more wait for a worker; a spawn beyond both fails.
struct ProcessHostConfig {
  size_t workers = 0;
  size_t queue_size = 1024;
  bool running = true;  // lifecycle.auto_start: a host that is not running refuses spawns
};

// How a spawn ties the child to its parent.
struct SpawnOptions {
  bool monitor = false;  // the parent gets the child's EXIT event
  bool link = false;     // parent and child are linked
  std::string name;      // registered for the child (Spawner:with_name)
  // Spawned by the runtime itself (a process.service's supervisor): no permission checks, and
  // the child inherits `identity` (lifecycle.security) instead of the caller's context.
  bool system = false;
  std::optional<CallContext> identity;
};

// Where processes of other cluster nodes are reached (src/cluster/remote_processes.h). With a
// node name set, new PIDs name it: "{node@host|n}" (docs/cluster.md §1).
struct RemoteProcesses {
  std::string node;  // this node's name
  // Where PID numbers start (0: unchanged): a restarted node must not reuse the PIDs its last
  // incarnation gave out, which other nodes may still hold.
  uint64_t first_pid = 0;
  // Delivers `message` to `pid` on node `node` (fire and forget, as locally).
  std::function<core::Status(const std::string& node, const std::string& pid, core::Value message)> send;
  // Starts `id` on a node that has `host`; same contract as ProcessTable::spawn. `link` is the
  // local parent the child is linked to ("" for none).
  std::function<core::Result<std::string>(const CallContext&, const std::string& id, const std::string& host,
                                          core::Array args, const std::string& monitor, const std::string& link)>
      spawn;
  // A request to the node of `target` (process_remote.cc; docs/cluster.md §4 "ctl"): op is
  // "link"/"monitor" (`from` the local process), "terminate", or "cancel" (with `deadline`).
  // Waits for that node's answer: NotFound when `target` is not running there.
  std::function<core::Status(const std::string& op, const std::string& target, const std::string& from,
                             std::optional<core::Nanos> deadline)>
      control;
  // A notice to the node of `to` (fire and forget, as EXIT is locally): op "exit" / "link_down"
  // (`from` ended with `result`), "unlink" / "unmonitor" (the tie between them is gone).
  std::function<void(const std::string& op, const std::string& to, const std::string& from,
                     const core::Result<core::Value>& result)>
      tell;
  // Cluster-wide process names (cluster/names.h; docs/cluster.md §7), when the cluster has
  // them: a compare-and-set claim of `name` for local `pid` (AlreadyExists when any node's
  // process holds it), the holder's PID (NotFound), and the release of a name `pid` holds.
  std::function<core::Status(const std::string& name, const std::string& pid)> claim_name;
  std::function<core::Result<std::string>(const std::string& name)> lookup_name;
  std::function<core::Status(const std::string& name, const std::string& pid)> release_name;
};

class ProcessTable {
 public:
  ProcessTable(Scheduler* scheduler, const Policies* policies) : scheduler_(scheduler), policies_(policies) {}
  ~ProcessTable();
  const Policies* policies() const { return policies_; }
  Scheduler* scheduler() const { return scheduler_; }

  void add_factory(std::string id, ProcessFactory f) { factories_[std::move(id)] = std::move(f); }
  void add_host(std::string id, ProcessHostConfig config = {});
  bool has_factory(const std::string& id) const { return factories_.count(id) != 0; }
  bool has_host(const std::string& id) const;
  const ProcessFactory* factory(const std::string& id) const;

  // Set once, before calls start (the cluster joins right after boot).
  void set_remote(RemoteProcesses r) {
    if (r.first_pid) next_.store(r.first_pid);
    remote_ = std::move(r);
  }
  // The node a PID "{node@host|n}" names; "" for a PID without one (a local PID).
  static std::string_view node_of(std::string_view pid);
  // Whether `pid` names another node of the cluster this table belongs to.
  bool is_remote(std::string_view pid) const;

  // ---- ties to processes of other nodes (process_remote.cc; docs/cluster.md §4, §6) ----------
  // A notice from the node of `from` (RemoteProcesses::tell): "exit" gives local `to` the EXIT
  // of remote `from` if it monitors it; "link_down" gives it LINK_DOWN (trap_links) or ends it
  // if linked; "unlink"/"unmonitor" drop the tie; "monitor"/"link" are refused here (they are
  // requests). A tie-down for a PID this node does not know yet (a linked child that failed
  // before its spawn reply came back) is kept a while for spawn() to find.
  core::Status remote_notice(const std::string& op, const std::string& to, const std::string& from,
                             const core::Result<core::Value>& result);
  // Every tie of a local process to a process of a node for which `lost` is true ends as if
  // that process had failed with `why`: EXIT to monitors, LINK_DOWN (or death) to links.
  void peers_lost(const std::function<bool(std::string_view node)>& lost, const core::Error& why);

  // A fresh PID "{host|n}" ("{node@host|n}" in a cluster).
  std::string new_pid(const std::string& host);
  // The mailbox of `pid`, made (with its record) when missing.
  std::shared_ptr<Mailbox> mailbox(const std::string& pid);
  std::shared_ptr<Mailbox> find(const std::string& pid) const;
  bool alive(const std::string& pid) const;
  // Ends `pid`'s record as a normal exit (an invocation acting as a process returned).
  void drop(const std::string& pid);
  // Makes `pid` (an invocation acting as a process, on the calling fiber) stoppable: it shares
  // the fiber's StopSignal, binding a new one when the fiber has none. Returns the signal bound
  // here (to unbind when the invocation ends) or nullptr when the fiber already had one.
  std::shared_ptr<StopSignal> adopt_fiber(const std::string& pid);

  // Starts process `id` on `host` with `args`. The child inherits the caller's actor, scope and
  // context values. Permissions: process.spawn on id, process.host on host, plus
  // process.spawn.monitored / process.spawn.linked. `parent` is the caller's PID (monitor/link).
  core::Result<std::string> spawn(const CallContext& caller, const std::string& id, const std::string& host,
                                  core::Array args, const std::string& parent, const SpawnOptions& options);
  // The earlier form: monitored by `monitor` when it is not empty.
  core::Result<std::string> spawn(const CallContext& caller, const std::string& id, const std::string& host,
                                  core::Array args, const std::string& monitor);
  // Delivers a message {topic, from, payload} to `pid` (a PID or a registered name): to the
  // channel listening on its topic, else the inbox. NotFound when no such process is running.
  core::Status send(const std::string& pid, core::Value message);

  // ---- links and monitors (process_links.cc) -------------------------------------------------
  core::Status link(const std::string& a, const std::string& b);
  core::Status unlink(const std::string& a, const std::string& b);
  core::Status monitor(const std::string& watcher, const std::string& target);
  core::Status unmonitor(const std::string& watcher, const std::string& target);
  core::Status set_trap_links(const std::string& pid, bool trap);
  bool trap_links(const std::string& pid) const;

  // ---- control (process_control.cc) ----------------------------------------------------------
  // Stops `pid` now; its EXIT result is `reason` (Canceled "process terminated" by default).
  core::Status terminate(const std::string& pid, std::optional<core::Error> reason = std::nullopt);
  // Sends a CANCEL event from `from`; with a deadline, terminates `pid` if it still runs then.
  core::Status cancel(const std::string& from, const std::string& pid, std::optional<core::Nanos> deadline);

  // ---- names (process_registry.cc): this node's, or the cluster's when it has names -----------
  bool cluster_names() const { return static_cast<bool>(remote_.claim_name); }
  core::Status register_name(const std::string& name, const std::string& pid);
  core::Result<std::string> lookup(const std::string& name) const;
  bool unregister_name(const std::string& name);
  // A PID as is; a registered name resolved; "could not resolve: <name>" otherwise.
  core::Result<std::string> resolve(const std::string& pid_or_name) const;

  // ---- topics (process_topics.cc) ------------------------------------------------------------
  // Messages sent to `pid` on `topic` go to the returned channel (raw payloads, or the message
  // {topic, from, payload} with `whole_message`) instead of the inbox.
  core::Result<std::shared_ptr<Channel>> listen(const std::string& pid, const std::string& topic, bool whole_message);
  void unlisten(const std::string& pid, const std::shared_ptr<Channel>& channel);

  // The EXIT event value for a finished process.
  static core::Value exit_event(const std::string& pid, const core::Result<core::Value>& result);
  // The same result as a LINK_DOWN event.
  static core::Value link_down_event(const std::string& pid, const core::Result<core::Value>& result);

  // Number of processes running (or queued) on `host`, for tests and diagnostics.
  size_t host_load(const std::string& host) const;

 private:
  struct Listener {
    std::shared_ptr<Channel> channel;
    bool whole_message = false;
  };
  struct Record {
    std::shared_ptr<Mailbox> mailbox = std::make_shared<Mailbox>();
    std::shared_ptr<StopSignal> stop;   // null until the process runs on a fiber
    std::optional<core::Error> killed;  // set by terminate: the EXIT result
    bool trap_links = false;
    std::string host;                   // the host it was spawned on ("" for invocations)
    std::set<std::string> links;
    std::set<std::string> monitors;     // who gets this process's EXIT
    std::set<std::string> watching;     // whom this process monitors
    std::set<std::string> names;
    std::map<std::string, std::vector<Listener>> topics;
  };
  struct Host {
    ProcessHostConfig config;
    size_t running = 0;
    std::deque<std::function<void()>> queued;
  };
  // The events to deliver once a process is gone, collected under the lock.
  struct ExitWork {
    std::vector<std::shared_ptr<Channel>> events;  // EXIT to monitors
    std::vector<std::shared_ptr<Channel>> link_events;  // LINK_DOWN to trapping peers
    std::vector<std::string> doomed;                // peers that die with it
    std::vector<std::shared_ptr<Channel>> listeners;  // closed
    std::vector<std::pair<std::string, std::string>> remote;  // (op, peer) notices to other nodes
    std::vector<std::string> names;  // cluster-wide names to release
    std::function<void()> next;                     // the host's next queued process
  };

  Record& record_locked(const std::string& pid);
  // Ends `pid`: unlinks, unregisters, and delivers EXIT / LINK_DOWN (or terminates peers).
  void finish(const std::string& pid, core::Result<core::Value> result);
  // The part of finish() done under the lock (process_links.cc).
  void collect_exit_locked(const std::string& pid, Record& r, bool abnormal, ExitWork* work);
  void deliver_exit(const std::string& pid, const core::Result<core::Value>& result, ExitWork& work);
  // Host accounting (process_hosts.cc): starts `run` now, queues it, or refuses.
  core::Status admit(const std::string& host, std::function<void()> run);
  std::function<void()> release_locked(const std::string& host);
  core::Result<std::string> resolve_locked(const std::string& pid_or_name) const;
  core::Status register_cluster_name(const std::string& name, const std::string& pid);
  // Delivers under no lock: the listener's channel or the inbox.
  core::Status deliver(const std::string& pid, core::Value message);

  Scheduler* scheduler_;
  const Policies* policies_;
  std::map<std::string, ProcessFactory> factories_;
  mutable std::mutex mu_;
  std::map<std::string, Host> hosts_;
  std::map<std::string, Record> records_;
  std::map<std::string, std::string> names_;  // name -> pid
  // Tie-downs that came before their tie was recorded (remote_notice): from-pid → (op, to,
  // result), bounded, oldest dropped.
  struct EarlyNotice {
    std::string op, to;
    core::Result<core::Value> result;
  };
  std::multimap<std::string, EarlyNotice> early_notices_;
  std::deque<std::string> early_order_;
  // link/monitor of a process of another node (`op` "link"/"monitor"): records `local`'s side,
  // asks the remote node, and undoes the record when it refuses.
  core::Status remote_tie(const char* op, const std::string& local, const std::string& remote);
  // A linked (and maybe monitored) spawn of a remote child: records the parent's ties, then
  // applies the tie-downs that came before them.
  core::Result<std::string> tie_remote_child(const std::string& parent, core::Result<std::string> child, bool monitor);
  std::atomic<uint64_t> next_{1};
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  RemoteProcesses remote_;
};

}  // namespace wirt::sched

// Processes across nodes (docs/cluster.md §3, §4, §6): `process.send` to a PID another node
// names, `process.spawn`/`spawn_monitored` on a `process.host` only another node has, and the
// EXIT of a remotely monitored process.
//
// PIDs name their node ("{node@host|n}"); the ProcessTable hands sends and spawns it cannot do
// itself to this class (ProcessTable::set_remote). Messages go to `C.node.N.proc` (one
// subscription per node, none per process); EXIT events to the watcher's `C.node.N.ctl`. Spawns
// are requests on `C.spawn.HOST` in queue group `C.spawn`: the nodes that have a host subscribe
// it, so hosts are advertised exactly as served functions are.
//
// Links, and monitors of existing PIDs, across nodes: each node keeps its side of the tie in its
// ProcessTable (sched/process_remote.cc); `control` asks the target's node to record its side
// (C.node.N.req, request/reply), `tell` carries exits and tie-downs (C.node.N.ctl, op notice),
// and a lost node's ties end through ProcessTable::peers_lost with Unavailable.
//
// Remote monitors of spawn_monitored: the spawning node remembers (pid → watcher, node, incarnation). The serving
// node watches the child through a local proxy mailbox and publishes its EXIT to the watcher's
// node. When the serving node is lost (heartbeats, restart, clean leave) or this node loses its
// NATS connection (EXITs could have been missed), every watcher of its processes gets EXIT with
// an Unavailable error — within the loss window (3 heartbeats), never silently nothing.
//
// Thread-safety: all members may be called from fibers on any worker; the libnats callbacks
// only deliver into mailboxes (thread-safe channels) or post fibers.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/names.h"
#include "cluster/remote_calls.h"
#include "sched/processes.h"

namespace wirt::cluster {

class RemoteProcessBridge : public std::enable_shared_from_this<RemoteProcessBridge> {
 public:
  // Subscribes this node's `proc` and `ctl` subjects and installs the ProcessTable hook (new
  // PIDs name this node from then on). `processes` must outlive the node's membership.
  // With `names`, process.registry names are cluster-wide (docs/cluster.md §7).
  static core::Result<std::shared_ptr<RemoteProcessBridge>> start(std::shared_ptr<RemoteCalls> calls,
                                                                 sched::Scheduler* scheduler,
                                                                 sched::ProcessTable* processes,
                                                                 std::shared_ptr<Names> names = nullptr);
  // Offers `hosts` (process.host ids) to remote spawns.
  [[nodiscard]] core::Status serve_hosts(const std::vector<std::string>& hosts);

  core::Status send(const std::string& node, const std::string& pid, core::Value message);
  // `monitor`/`link`: the local parent watching / linked to the child ("" for none).
  core::Result<std::string> spawn(const sched::CallContext& caller, const std::string& id, const std::string& host,
                                  core::Array args, const std::string& monitor, const std::string& link);
  // link/monitor/terminate/cancel of a process of another node: a request to its node's `req`
  // subject, answered once that node has done it (NotFound when the process is not running).
  core::Status control(const std::string& op, const std::string& target, const std::string& from,
                       std::optional<core::Nanos> deadline);
  // exit/link_down/unlink/unmonitor notices to the node of `to` (fire and forget, on its `ctl`).
  void tell(const std::string& op, const std::string& to, const std::string& from, const core::Result<core::Value>& result);

  // How many remote processes local watchers currently monitor (for tests and logs).
  size_t watching() const;

 private:
  struct Watch {
    std::string watcher, node;
    uint64_t inc = 0;
  };
  RemoteProcessBridge() = default;
  void handle_send(const Message& m);
  void handle_ctl(const Message& m);
  core::Result<core::Value> handle_spawn(const Message& m);
  core::Result<core::Value> handle_control(const Message& m);
  void handle_notice(const Message& m, const core::Value& body);
  // Whether `node` is (or may just have become) a member: a peer's first beats may still be on
  // the way right after joining.
  bool known_node(std::string_view node) const;
  // Whether `h` is a holder no live node speaks for (its node was lost or restarted, e.g. the
  // whole cluster stopped uncleanly): its name may be taken over.
  bool stale_holder(const NameHolder& h) const;
  core::Status claim_name(const std::string& name, const std::string& pid);
  core::Result<std::string> lookup_name(const std::string& name);
  void watch(const std::string& pid, Watch w);
  // Delivers EXIT `event` for `pid` to `watcher` (a local mailbox) and forgets the watch.
  void deliver_exit(const std::string& pid, const std::string& watcher, core::Value event);
  // Fails every watch for which `lost` is true with Unavailable: `why`.
  void fail_watches(const std::function<bool(const Watch&)>& lost, const std::string& why);

  std::shared_ptr<RemoteCalls> calls_;
  std::shared_ptr<Node> node_;
  sched::Scheduler* scheduler_ = nullptr;
  sched::ProcessTable* processes_ = nullptr;
  std::shared_ptr<Names> names_;
  std::unordered_set<std::string> hosts_;
  std::chrono::steady_clock::time_point joined_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Watch> watches_;  // remote pid → its local watcher
  // EXITs that arrived before their spawn reply was processed (a child that ended at once):
  // the watch must then not be recorded. Bounded (oldest dropped).
  std::unordered_set<std::string> exited_early_;
  std::deque<std::string> exited_order_;
};

}  // namespace wirt::cluster

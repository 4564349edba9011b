#include "cluster/remote_processes.h"

#include <fmt/format.h>

#include "cluster/codec.h"
#include "core/log.h"

namespace wirt::cluster {

namespace {

// A remote spawn that names no deadline still ends: starting a process is quick.
constexpr std::chrono::seconds kSpawnWait{10};
// A link/monitor/terminate/cancel request waits at most this for the target's node.
constexpr std::chrono::seconds kControlWait{5};
// How many early EXITs (before their spawn reply) are remembered.
constexpr size_t kMaxExitedEarly = 4096;

}  // namespace

core::Result<std::shared_ptr<RemoteProcessBridge>> RemoteProcessBridge::start(std::shared_ptr<RemoteCalls> calls,
                                                                             sched::Scheduler* scheduler,
                                                                             sched::ProcessTable* processes,
                                                                             std::shared_ptr<Names> names) {
  std::shared_ptr<RemoteProcessBridge> rp(new RemoteProcessBridge());
  rp->names_ = std::move(names);
  rp->calls_ = std::move(calls);
  rp->node_ = rp->calls_->node();
  rp->scheduler_ = scheduler;
  rp->processes_ = processes;
  rp->joined_ = std::chrono::steady_clock::now();
  std::weak_ptr<RemoteProcessBridge> weak = rp;
  const Subjects& subj = rp->node_->subjects();
  const std::string& me = rp->node_->config().node;
  WIRT_TRY(rp->node_->subscribe(subj.node_proc(me), "", [weak](Message m) {
    if (auto self = weak.lock()) self->handle_send(m);
  }));
  WIRT_TRY(rp->node_->subscribe(subj.node_ctl(me), "", [weak](Message m) {
    if (auto self = weak.lock()) self->handle_ctl(m);
  }));
  WIRT_TRY(rp->calls_->serve_requests(subj.node_req(me), "", [weak](const Message& m) -> core::Result<core::Value> {
    auto self = weak.lock();
    if (!self) return core::unavailable("node leaving");
    return self->handle_control(m);
  }));
  rp->node_->on_loss([weak](const std::string& n, uint64_t inc, const std::string& why) {
    if (auto self = weak.lock()) {
      std::string reason = fmt::format("node {} lost: {}", n, why);
      self->fail_watches([&](const Watch& w) { return w.node == n && w.inc == inc; }, reason);
      // Links and monitors of existing PIDs (ProcessTable ties) to that node's processes. Runs
      // on the loss listener's thread: peers_lost only delivers events and requests stops.
      self->processes_->peers_lost([&](std::string_view node) { return node == n; }, core::unavailable(reason));
    }
  });
  // While disconnected this node may miss EXITs: its watchers are told, not left waiting. Its
  // peers declare it lost meanwhile, so every tie across nodes ends on both sides.
  rp->node_->on_disconnect([weak] {
    if (auto self = weak.lock()) {
      self->fail_watches([](const Watch&) { return true; }, "cluster disconnected");
      self->processes_->peers_lost([](std::string_view) { return true; }, core::unavailable("cluster disconnected"));
    }
  });
  sched::RemoteProcesses hook;
  hook.node = me;
  // PID numbers from the wall clock (ms << 16): a restarted node never hands out a PID its
  // previous incarnation gave to processes other nodes may still address.
  hook.first_pid = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count())
                   << 16;
  hook.send = [weak](const std::string& node, const std::string& pid, core::Value message) -> core::Status {
    auto self = weak.lock();
    if (!self) return core::unavailable(fmt::format("cluster left: cannot send to {}", pid));
    return self->send(node, pid, std::move(message));
  };
  hook.spawn = [weak](const sched::CallContext& caller, const std::string& id, const std::string& host,
                      core::Array args, const std::string& monitor, const std::string& link) -> core::Result<std::string> {
    auto self = weak.lock();
    if (!self) return core::not_found(fmt::format("process host not found: {}", host));
    return self->spawn(caller, id, host, std::move(args), monitor, link);
  };
  hook.control = [weak](const std::string& op, const std::string& target, const std::string& from,
                        std::optional<core::Nanos> deadline) -> core::Status {
    auto self = weak.lock();
    if (!self) return core::unavailable(fmt::format("cluster left: cannot {} {}", op, target));
    return self->control(op, target, from, deadline);
  };
  hook.tell = [weak](const std::string& op, const std::string& to, const std::string& from,
                     const core::Result<core::Value>& result) {
    if (auto self = weak.lock()) self->tell(op, to, from, result);
  };
  if (rp->names_) {
    hook.claim_name = [weak](const std::string& name, const std::string& pid) -> core::Status {
      auto self = weak.lock();
      if (!self) return core::unavailable(fmt::format("cluster left: cannot register {}", name));
      return self->claim_name(name, pid);
    };
    hook.lookup_name = [weak](const std::string& name) -> core::Result<std::string> {
      auto self = weak.lock();
      if (!self) return core::unavailable(fmt::format("cluster left: cannot look up {}", name));
      return self->lookup_name(name);
    };
    hook.release_name = [weak](const std::string& name, const std::string& pid) -> core::Status {
      auto self = weak.lock();
      if (!self) return core::unavailable(fmt::format("cluster left: cannot release {}", name));
      return self->names_->release(name, pid);
    };
  }
  processes->set_remote(std::move(hook));
  return rp;
}

core::Status RemoteProcessBridge::serve_hosts(const std::vector<std::string>& hosts) {
  std::weak_ptr<RemoteProcessBridge> weak = weak_from_this();
  for (const auto& host : hosts) {
    {
      std::lock_guard lk(mu_);
      hosts_.insert(host);
    }
    WIRT_TRY(calls_->serve_requests(node_->subjects().spawn(host), node_->subjects().spawn_queue(),
                                    [weak](const Message& m) -> core::Result<core::Value> {
                                      auto self = weak.lock();
                                      if (!self) return core::unavailable("node leaving");
                                      return self->handle_spawn(m);
                                    }));
  }
  return {};
}

bool RemoteProcessBridge::known_node(std::string_view node) const {
  bool known = std::chrono::steady_clock::now() - joined_ < node_->config().heartbeat * 3;
  for (const auto& m : node_->members()) known = known || m.node == node;
  return known;
}

bool RemoteProcessBridge::stale_holder(const NameHolder& h) const {
  if (h.node == node_->config().node) return h.inc != node_->incarnation();
  // Right after joining, live peers may not have beaten yet: none is judged stale then.
  if (std::chrono::steady_clock::now() - joined_ < node_->config().heartbeat * 3) return false;
  return !node_->is_member(h.node, h.inc);
}

core::Status RemoteProcessBridge::claim_name(const std::string& name, const std::string& pid) {
  auto st = names_->register_name(name, pid);
  if (st || st.error().kind() != core::ErrorKind::AlreadyExists) return st;
  // Held by a node nobody tracks any more (lost while no survivor could release its names, or
  // a previous incarnation of this node): release that holder's names (compare-and-set), retry.
  auto holder = names_->lookup(name);
  if (!holder || !stale_holder(*holder)) return st;
  (void)names_->release_node(holder->node, holder->inc);
  return names_->register_name(name, pid);
}

core::Result<std::string> RemoteProcessBridge::lookup_name(const std::string& name) {
  auto holder = names_->lookup(name);
  if (!holder) return std::move(holder).error();
  // A lost node's names are released by the survivors; until then (or if none could) they are
  // not handed out: its processes are gone.
  if (stale_holder(*holder)) return core::not_found(fmt::format("no process is registered as {} (its node {} is gone)", name, holder->node));
  return holder->pid;
}

core::Status RemoteProcessBridge::send(const std::string& node, const std::string& pid, core::Value message) {
  // A node this one has not heard of is gone (or never was): the send fails as a local send to
  // a dead PID does. Right after joining, peers' first heartbeats may still be on the way.
  if (!known_node(node)) return core::unavailable(fmt::format("process {}: node {} is not in the cluster", pid, node));
  core::Value body = core::Value::map();
  body.set("to", pid);
  body.set("message", std::move(message));
  auto data = encode(body, node_->config().max_message);
  if (!data) return std::move(data).error().wrap(fmt::format("message to {}", pid));
  return node_->publish(node_->subjects().node_proc(node), "", "send", *data);
}

core::Result<std::string> RemoteProcessBridge::spawn(const sched::CallContext& caller, const std::string& id,
                                                    const std::string& host, core::Array args,
                                                    const std::string& monitor, const std::string& link) {
  core::Value req = core::Value::map();
  req.set("id", id);
  req.set("host", host);
  req.set("args", core::Value(std::move(args)));
  if (!monitor.empty()) req.set("monitor", monitor);
  if (!link.empty()) req.set("link", link);
  WIRT_TRY(write_context(caller, req));
  sched::Deadline deadline = sched::CallContext::Clock::now() + kSpawnWait;
  if (caller.deadline && *caller.deadline < *deadline) deadline = caller.deadline;
  RemoteCalls::Responder from;
  auto r = calls_->request(node_->subjects().spawn(host), req, fmt::format("spawning {} on {}", id, host),
                           fmt::format("process host not found: {} (on no node of the cluster)", host), deadline, &from);
  if (!r) return std::move(r).error();
  if (!r->is_string() || sched::ProcessTable::node_of(r->as_string()) != from.node) {
    return core::internal(fmt::format("node {} answered the spawn of {} with a malformed PID", from.node, id));
  }
  std::string pid = r->as_string();
  // A linked child is tied through the process tables (the caller records its side, with any
  // monitor, when this returns; ProcessTable::tie_remote_child), so only its node's loss needs
  // tracking here.
  if (!link.empty()) node_->heard_from(from.node, from.inc);
  if (!monitor.empty() && link.empty()) {
    node_->heard_from(from.node, from.inc);  // so its loss is noticed even before its first beat
    watch(pid, Watch{monitor, from.node, from.inc});
  }
  return pid;
}

core::Result<core::Value> RemoteProcessBridge::handle_spawn(const Message& m) {
  const std::string from = m.node.empty() ? "?" : m.node;
  auto body = decode(m.data, fmt::format("spawn request from node {}", from), node_->config().max_message);
  if (!body) return refuse(m, std::move(body).error());
  auto bad = [&](std::string_view what) {
    return refuse(m, core::invalid(fmt::format("spawn request from node {}: {}", from, what)));
  };
  if (!body->is_map()) return bad("the body is not a map");
  std::string id = body->get_string("id"), host = body->get_string("host"), monitor = body->get_string("monitor"),
              link = body->get_string("link");
  const core::Value* args = body->find("args");
  if (id.empty() || host.empty() || !args || !args->is_array()) return bad("expected {id, host, args}");
  std::string prefix = node_->subjects().spawn_queue() + ".";
  auto subject_host = unescape_token(std::string_view(m.subject).substr(std::min(prefix.size(), m.subject.size())));
  if (!subject_host || *subject_host != host) return bad(fmt::format("names host {} on subject {}", host, m.subject));
  // A monitor must be a process of the requesting node: EXITs go only to their watcher's node.
  if (!monitor.empty() && sched::ProcessTable::node_of(monitor) != m.node) {
    return bad(fmt::format("monitor {} is not a process of node {}", monitor, from));
  }
  if (!link.empty() && (sched::ProcessTable::node_of(link) != m.node || (!monitor.empty() && monitor != link))) {
    return bad(fmt::format("link {} is not the monitor or not a process of node {}", link, from));
  }
  {
    std::lock_guard lk(mu_);
    if (!hosts_.count(host)) {
      return refuse(m, core::not_found(fmt::format("process host {} is not served by node {}", host, node_->config().node)));
    }
  }
  sched::CallContext ctx;
  if (auto st = read_context(*body, ctx); !st) return bad(st.error().message());
  if (!link.empty()) {
    // The remote parent's ties live in this table like a local parent's (its side is on its
    // node): the child's exit becomes exit / link_down / unlink notices (ProcessTable::tell).
    sched::SpawnOptions o;
    o.link = true;
    o.monitor = !monitor.empty();
    auto pid = processes_->spawn(ctx, id, host, args->as_array(), link, o);
    if (!pid) return std::move(pid).error();
    return core::Value(*pid);
  }
  if (monitor.empty()) {
    auto pid = processes_->spawn(ctx, id, host, args->as_array(), "");
    if (!pid) return std::move(pid).error();
    return core::Value(*pid);
  }
  // The child is watched here through a proxy mailbox; its EXIT goes to the watcher's node.
  std::string proxy = processes_->new_pid("cluster.monitor");
  auto mailbox = processes_->mailbox(proxy);
  auto pid = processes_->spawn(ctx, id, host, args->as_array(), proxy);
  if (!pid) {
    processes_->drop(proxy);
    return std::move(pid).error();
  }
  std::weak_ptr<RemoteProcessBridge> weak = weak_from_this();
  scheduler_->spawn([weak, mailbox, proxy, pid = *pid, monitor, watcher_node = m.node] {
    auto [event, ok] = mailbox->events->receive();
    auto self = weak.lock();
    if (!self) return;
    self->processes_->drop(proxy);
    if (!ok) return;
    core::Value ctl = core::Value::map();
    ctl.set("op", "exit");
    ctl.set("target", pid);
    ctl.set("watcher", monitor);
    ctl.set("event", std::move(event));
    auto data = encode(ctl, self->node_->config().max_message);
    if (data) (void)self->node_->publish(self->node_->subjects().node_ctl(watcher_node), "", "ctl", *data);
  });
  return core::Value(*pid);
}

void RemoteProcessBridge::handle_send(const Message& m) {
  auto body = decode(m.data, fmt::format("process message from node {}", m.node), node_->config().max_message);
  std::string to = body && body->is_map() ? body->get_string("to") : "";
  const core::Value* message = body && body->is_map() ? body->find("message") : nullptr;
  if (to.empty() || !message || sched::ProcessTable::node_of(to) != node_->config().node) {
    core::log_warn("cluster: refused a process message from node {}: {}", m.node,
                   body ? "expected {to: a PID of this node, message}" : body.error().message());
    return;
  }
  // Delivered from the NATS thread in arrival order (per-sender order, as locally).
  if (auto st = processes_->send(to, *message); !st) {
    core::log_debug("cluster: a message from node {} was not delivered: {}", m.node, st.error().message());
  }
}

core::Status RemoteProcessBridge::control(const std::string& op, const std::string& target, const std::string& from,
                                          std::optional<core::Nanos> deadline) {
  std::string node(sched::ProcessTable::node_of(target));
  if (!known_node(node)) return core::unavailable(fmt::format("process {}: node {} is not in the cluster", target, node));
  core::Value req = core::Value::map();
  req.set("op", op);
  req.set("target", target);
  if (!from.empty()) req.set("from", from);
  if (deadline) req.set("deadline_ms", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(*deadline).count()));
  sched::Deadline wait = sched::CallContext::Clock::now() + kControlWait;
  RemoteCalls::Responder by;
  auto r = calls_->request(node_->subjects().node_req(node), req, fmt::format("{} of process {}", op, target),
                           fmt::format("process {}: node {} is not in the cluster", target, node), wait, &by);
  if (!r) return std::move(r).error();
  // Its loss from now on must end the tie, even before its first heartbeat reached this node.
  node_->heard_from(by.node, by.inc);
  return {};
}

core::Result<core::Value> RemoteProcessBridge::handle_control(const Message& m) {
  const std::string sender = m.node.empty() ? "?" : m.node;
  auto body = decode(m.data, fmt::format("process control request from node {}", sender), node_->config().max_message);
  if (!body) return refuse(m, std::move(body).error());
  auto bad = [&](std::string_view what) {
    return refuse(m, core::invalid(fmt::format("process control request from node {}: {}", sender, what)));
  };
  if (!body->is_map()) return bad("the body is not a map");
  std::string op = body->get_string("op"), target = body->get_string("target"), from = body->get_string("from");
  if (target.empty() || sched::ProcessTable::node_of(target) != node_->config().node)
    return bad(fmt::format("target {} is not a process of node {}", target, node_->config().node));
  // The requester's side of a tie is a process of the requesting node (notices go to its node).
  bool tie = op == "link" || op == "monitor";
  if ((tie || !from.empty()) && sched::ProcessTable::node_of(from) != m.node)
    return bad(fmt::format("from {} is not a process of node {}", from, sender));
  core::Status st;
  if (op == "link") {
    st = processes_->link(from, target);
  } else if (op == "monitor") {
    st = processes_->monitor(from, target);
  } else if (op == "terminate") {
    st = processes_->terminate(target);
  } else if (op == "cancel") {
    std::optional<core::Nanos> deadline;
    if (const core::Value* d = body->find("deadline_ms")) {
      if (!d->is_int() || d->as_int() < 0) return bad("deadline_ms is not a non-negative integer");
      if (d->as_int() > 0) deadline = std::chrono::milliseconds(d->as_int());
    }
    st = processes_->cancel(from, target, deadline);
  } else {
    return bad(fmt::format("unknown op {}", op.empty() ? "(none)" : op));
  }
  if (!st) return std::move(st).error();
  return core::Value(true);
}

void RemoteProcessBridge::tell(const std::string& op, const std::string& to, const std::string& from,
                               const core::Result<core::Value>& result) {
  core::Value notice = core::Value::map();
  notice.set("op", "notice");
  notice.set("what", op);
  notice.set("to", to);
  notice.set("from", from);
  core::Value res = core::Value::map();
  if (result) res.set("value", *result);
  else res.set("error", error_to_value(result.error()));
  notice.set("result", std::move(res));
  auto data = encode(notice, node_->config().max_message);
  if (!data) {
    // A result too big for the wire still ends the tie: the watcher gets the reason instead.
    core::Value res2 = core::Value::map();
    res2.set("error", error_to_value(data.error()));
    notice.set("result", std::move(res2));
    data = encode(notice, node_->config().max_message);
  }
  if (!data) return;
  // Undelivered (disconnected): the watcher's node declares this one lost, which ends the tie.
  (void)node_->publish(node_->subjects().node_ctl(sched::ProcessTable::node_of(to)), "", "ctl", *data);
}

void RemoteProcessBridge::handle_notice(const Message& m, const core::Value& body) {
  std::string what = body.get_string("what"), to = body.get_string("to"), from = body.get_string("from");
  const core::Value* res = body.find("result");
  // Only the node a process runs on speaks for it; the receiver is a process of this node.
  if (from.empty() || sched::ProcessTable::node_of(from) != m.node || to.empty() ||
      sched::ProcessTable::node_of(to) != node_->config().node || !res || !res->is_map()) {
    core::log_warn("cluster: refused a process notice from node {} for {}", m.node, from);
    return;
  }
  core::Result<core::Value> result = core::Value();
  if (const core::Value* e = res->find("error")) result = error_from_value(*e, m.node);
  else if (const core::Value* v = res->find("value")) result = *v;
  if (auto st = processes_->remote_notice(what, to, from, result); !st) {
    core::log_debug("cluster: notice {} from node {} for {}: {}", what, m.node, to, st.error().message());
  }
}

void RemoteProcessBridge::handle_ctl(const Message& m) {
  auto body = decode(m.data, fmt::format("control message from node {}", m.node), node_->config().max_message);
  if (body && body->is_map() && body->get_string("op") == "notice") return handle_notice(m, *body);
  if (!body || !body->is_map() || body->get_string("op") != "exit") {
    core::log_warn("cluster: refused a control message from node {}: {}", m.node,
                   body ? "expected {op: exit, target, watcher, event}" : body.error().message());
    return;
  }
  std::string target = body->get_string("target"), watcher = body->get_string("watcher");
  const core::Value* event = body->find("event");
  // Only the node a process runs on reports its exit (the message names its sender).
  if (target.empty() || watcher.empty() || !event || sched::ProcessTable::node_of(target) != m.node) {
    core::log_warn("cluster: refused an EXIT from node {} for {}", m.node, target);
    return;
  }
  deliver_exit(target, watcher, *event);
}

void RemoteProcessBridge::watch(const std::string& pid, Watch w) {
  {
    std::lock_guard lk(mu_);
    if (exited_early_.erase(pid)) return;  // its EXIT was delivered already
    // Checked under mu_, which the loss listener takes too: either the node is still a member
    // (a later loss fails this watch) or it was lost before the reply was processed (fail now).
    if (node_->is_member(w.node, w.inc)) {
      watches_[pid] = std::move(w);
      return;
    }
  }
  auto event = sched::ProcessTable::exit_event(
      pid, core::unavailable(fmt::format("process {}: node {} lost right after spawning it", pid, w.node)));
  if (auto mb = processes_->find(w.watcher)) mb->events->try_send(std::move(event));
}

void RemoteProcessBridge::deliver_exit(const std::string& pid, const std::string& watcher, core::Value event) {
  std::string to = watcher;
  {
    std::lock_guard lk(mu_);
    auto it = watches_.find(pid);
    if (it != watches_.end()) {
      to = it->second.watcher;
      watches_.erase(it);
    } else {
      exited_early_.insert(pid);
      exited_order_.push_back(pid);
      while (exited_order_.size() > kMaxExitedEarly) {
        exited_early_.erase(exited_order_.front());
        exited_order_.pop_front();
      }
    }
  }
  if (auto mb = processes_->find(to)) mb->events->try_send(std::move(event));
}

void RemoteProcessBridge::fail_watches(const std::function<bool(const Watch&)>& lost, const std::string& why) {
  std::vector<std::pair<std::string, std::string>> failed;  // pid, watcher
  {
    std::lock_guard lk(mu_);
    for (auto it = watches_.begin(); it != watches_.end();) {
      if (lost(it->second)) {
        failed.emplace_back(it->first, it->second.watcher);
        it = watches_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& [pid, watcher] : failed) {
    auto event = sched::ProcessTable::exit_event(pid, core::unavailable(fmt::format("process {}: {}", pid, why)));
    if (auto mb = processes_->find(watcher)) mb->events->try_send(std::move(event));
  }
}

size_t RemoteProcessBridge::watching() const {
  std::lock_guard lk(mu_);
  return watches_.size();
}

}  // namespace wirt::cluster

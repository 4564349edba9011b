#include "sched/processes.h"

#include <fmt/format.h>

namespace wirt::sched {

const ProcessFactory* ProcessTable::factory(const std::string& id) const {
  auto it = factories_.find(id);
  return it == factories_.end() ? nullptr : &it->second;
}

std::string ProcessTable::new_pid(const std::string& host) {
  if (!remote_.node.empty()) return fmt::format("{{{}@{}|{:x}}}", remote_.node, host, next_.fetch_add(1));
  return fmt::format("{{{}|{:x}}}", host, next_.fetch_add(1));
}

std::string_view ProcessTable::node_of(std::string_view pid) {
  // Node names are [A-Za-z0-9_-] (cluster/subjects.h valid_name): the first '@' ends one.
  size_t at = pid.find('@'), bar = pid.find('|');
  if (pid.empty() || pid[0] != '{' || at == std::string_view::npos || bar == std::string_view::npos || at > bar) return {};
  return pid.substr(1, at - 1);
}

std::shared_ptr<Mailbox> ProcessTable::mailbox(const std::string& pid) {
  std::lock_guard lock(mu_);
  auto& m = mailboxes_[pid];
  if (!m) m = std::make_shared<Mailbox>();
  return m;
}

std::shared_ptr<Mailbox> ProcessTable::find(const std::string& pid) const {
  std::lock_guard lock(mu_);
  auto it = mailboxes_.find(pid);
  return it == mailboxes_.end() ? nullptr : it->second;
}

void ProcessTable::drop(const std::string& pid) {
  std::lock_guard lock(mu_);
  mailboxes_.erase(pid);
}

core::Value ProcessTable::exit_event(const std::string& pid, const core::Result<core::Value>& result) {
  core::Value r = core::Value::map();
  if (result) {
    r.set("value", *result);
  } else {
    core::Value err = core::Value::map();
    err.set("kind", core::Value(std::string(core::kind_name(result.error().kind()))));
    err.set("message", core::Value(result.error().message()));
    if (result.error().details()) err.set("details", *result.error().details());
    r.set("error", std::move(err));
  }
  core::Value ev = core::Value::map();
  ev.set("kind", core::Value("pid.exit"));
  ev.set("from", core::Value(pid));
  ev.set("result", std::move(r));
  return ev;
}

core::Result<std::string> ProcessTable::spawn(const CallContext& caller, const std::string& id, const std::string& host,
                                              core::Array args, const std::string& monitor) {
  WIRT_TRY(policies_->check(caller, monitor.empty() ? "process.spawn" : "process.spawn.monitored", id));
  WIRT_TRY(policies_->check(caller, "process.host", host));
  // A host only another node has (host ids are cluster-wide, docs/cluster.md §3).
  if (!has_host(host) && remote_.spawn) return remote_.spawn(caller, id, host, std::move(args), monitor);
  const ProcessFactory* f = factory(id);
  if (!f) return core::not_found(fmt::format("no process registered for {}", id));
  if (!has_host(host)) return core::not_found(fmt::format("process host not found: {}", host));
  std::string pid = new_pid(host);
  mailbox(pid);
  CallContext ctx = caller.fork(id);
  ctx.depth = 0;       // a process starts its own call chain
  ctx.deadline.reset();  // and is not bound by its parent's deadline
  ctx.held_pools.reset();  // nor by the instances its parent holds
  ctx.pid = pid;
  std::shared_ptr<Mailbox> watcher = monitor.empty() ? nullptr : this->mailbox(monitor);
  ProcessFactory run = *f;
  scheduler_->spawn([this, run, ctx = std::move(ctx), args = std::move(args), pid, watcher] {
    auto result = run(ctx, args);
    drop(pid);
    if (watcher) watcher->events->try_send(exit_event(pid, result));
  });
  return pid;
}

core::Status ProcessTable::send(const std::string& pid, core::Value message) {
  if (auto node = node_of(pid); remote_.send && !node.empty() && node != remote_.node) {
    return remote_.send(std::string(node), pid, std::move(message));
  }
  auto m = find(pid);
  if (!m) return core::not_found(fmt::format("process not found: {}", pid));
  if (!m->inbox->try_send(std::move(message))) return core::unavailable(fmt::format("inbox of {} is full", pid));
  return {};
}

}  // namespace wirt::sched

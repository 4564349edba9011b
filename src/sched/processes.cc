// The process table's core: factories, PIDs, records, spawn, send and exit (processes.h).
#include "sched/processes.h"

#include <fmt/format.h>

namespace wirt::sched {

namespace {
core::Error denied(std::string message) {
  return core::Error(core::ErrorKind::PermissionDenied, std::move(message)).with_retryable(false);
}
}  // namespace

ProcessTable::~ProcessTable() { alive_->store(false); }

const ProcessFactory* ProcessTable::factory(const std::string& id) const {
  auto it = factories_.find(id);
  return it == factories_.end() ? nullptr : &it->second;
}

std::string ProcessTable::new_pid(const std::string& host) {
  if (!remote_.node.empty()) return fmt::format("{{{}@{}|{:x}}}", remote_.node, host, next_.fetch_add(1));
  return fmt::format("{{{}|{:x}}}", host, next_.fetch_add(1));
}

ProcessTable::Record& ProcessTable::record_locked(const std::string& pid) { return records_[pid]; }

std::string_view ProcessTable::node_of(std::string_view pid) {
  // Node names are [A-Za-z0-9_-] (cluster/subjects.h valid_name): the first '@' ends one.
  size_t at = pid.find('@'), bar = pid.find('|');
  if (pid.empty() || pid[0] != '{' || at == std::string_view::npos || bar == std::string_view::npos || at > bar) return {};
  return pid.substr(1, at - 1);
}

std::shared_ptr<Mailbox> ProcessTable::mailbox(const std::string& pid) {
  std::lock_guard lock(mu_);
  return record_locked(pid).mailbox;
}

std::shared_ptr<Mailbox> ProcessTable::find(const std::string& pid) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(pid);
  return it == records_.end() ? nullptr : it->second.mailbox;
}

bool ProcessTable::alive(const std::string& pid) const {
  std::lock_guard lock(mu_);
  return records_.count(pid) != 0;
}

void ProcessTable::drop(const std::string& pid) { finish(pid, core::Value()); }

std::shared_ptr<StopSignal> ProcessTable::adopt_fiber(const std::string& pid) {
  std::shared_ptr<StopSignal> bound;
  StopSignal* current = this_fiber::stop_signal();
  std::shared_ptr<StopSignal> shared;
  if (!current) {
    bound = std::make_shared<StopSignal>();
    this_fiber::bind_stop(bound);
  }
  std::lock_guard lock(mu_);
  Record& r = record_locked(pid);
  if (bound) {
    r.stop = bound;
  } else if (!r.stop) {
    // The fiber runs an enclosing process: stopping this invocation stops that fiber. Its
    // record holds the owning pointer; share it by looking the owner up.
    for (auto& [other, rec] : records_)
      if (rec.stop.get() == current) r.stop = rec.stop;
  }
  return bound;
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

core::Value ProcessTable::link_down_event(const std::string& pid, const core::Result<core::Value>& result) {
  core::Value ev = exit_event(pid, result);
  ev.set("kind", core::Value("pid.link.down"));
  return ev;
}

core::Result<std::string> ProcessTable::spawn(const CallContext& caller, const std::string& id, const std::string& host,
                                              core::Array args, const std::string& monitor) {
  SpawnOptions o;
  o.monitor = !monitor.empty();
  return spawn(caller, id, host, std::move(args), monitor, o);
}

core::Result<std::string> ProcessTable::spawn(const CallContext& caller, const std::string& id, const std::string& host,
                                              core::Array args, const std::string& parent, const SpawnOptions& options) {
  // Permission order and texts of the reference's process module (spawn_* functions).
  if (!options.system && !policies_->allowed(caller, "process.spawn", id)) return denied(fmt::format("not allowed to spawn process: {}", id));
  if (!options.system && options.monitor && !policies_->allowed(caller, "process.spawn.monitored", id))
    return denied(fmt::format("not allowed to spawn monitored process: {}", id));
  if (!options.system && options.link && !policies_->allowed(caller, "process.spawn.linked", id))
    return denied(fmt::format("not allowed to spawn linked process: {}", id));
  if (!options.system && !policies_->allowed(caller, "process.host", host)) return denied(fmt::format("not allowed to spawn on host: {}", host));
  // A host only another node has (host ids are cluster-wide, docs/cluster.md §3).
  if (!has_host(host) && remote_.spawn) {
    if (!options.name.empty() || options.system)
      return core::unavailable(fmt::format("cannot spawn {} on remote host {}: names and services are local only", id, host));
    if ((options.monitor || options.link) && parent.empty()) return core::invalid("spawn: no parent process to monitor or link");
    auto child = remote_.spawn(caller, id, host, std::move(args), options.monitor ? parent : std::string(),
                               options.link ? parent : std::string());
    return options.link ? tie_remote_child(parent, std::move(child), options.monitor) : child;
  }
  const ProcessFactory* f = factory(id);
  if (!f) return core::not_found(fmt::format("no process registered for {}", id));
  if (!has_host(host)) return core::not_found(fmt::format("process host not found: {}", host));
  if ((options.monitor || options.link) && parent.empty()) return core::invalid("spawn: no parent process to monitor or link");
  std::string pid = new_pid(host);
  auto stop = std::make_shared<StopSignal>();
  // In a cluster the name is claimed cluster-wide first (compare-and-set; docs/cluster.md §7).
  const bool claimed = !options.name.empty() && cluster_names();
  if (claimed) WIRT_TRY(remote_.claim_name(options.name, pid));
  {
    std::lock_guard lock(mu_);
    if (!options.name.empty() && names_.count(options.name))
      return core::Error(core::ErrorKind::AlreadyExists, fmt::format("name already registered: {}", options.name));
    Record& r = record_locked(pid);
    r.stop = stop;
    r.host = host;
    // A remote parent (a spawn_linked from another node) keeps its side on its own node.
    if (options.monitor) {
      r.monitors.insert(parent);
      if (!is_remote(parent)) record_locked(parent).watching.insert(pid);
    }
    if (options.link) {
      r.links.insert(parent);
      if (!is_remote(parent)) record_locked(parent).links.insert(pid);
    }
    if (!options.name.empty()) {
      names_[options.name] = pid;
      r.names.insert(options.name);
    }
  }
  CallContext ctx = (options.identity ? *options.identity : caller).fork(id);
  ctx.depth = 0;           // a process starts its own call chain
  ctx.deadline.reset();    // and is not bound by its parent's deadline
  ctx.held_pools.reset();  // nor by the instances its parent holds
  ctx.generation.reset();  // and resolves calls in the current generation (hot reload)
  ctx.pid = pid;
  ProcessFactory run = *f;
  auto alive = alive_;
  auto body = [this, alive, run, ctx = std::move(ctx), args = std::move(args), pid, stop] {
    if (!alive->load()) return;
    this_fiber::bind_stop(stop);
    // Terminated while queued on its host: it never starts.
    core::Result<core::Value> result = stop->requested() ? core::Result<core::Value>(core::canceled("process terminated"))
                                                         : run(ctx, args);
    if (alive->load()) finish(pid, std::move(result));
  };
  Scheduler* scheduler = scheduler_;
  auto st = admit(host, [scheduler, body = std::move(body)]() mutable { scheduler->spawn(std::move(body)); });
  if (!st) {
    // Refused by its host: it never existed (no EXIT, no LINK_DOWN).
    {
      std::lock_guard lock(mu_);
      ExitWork ignored;
      Record& r = records_[pid];
      r.host.clear();  // never admitted: nothing to release on the host
      collect_exit_locked(pid, r, false, &ignored);
    }
    if (claimed) (void)remote_.release_name(options.name, pid);
    return std::move(st).error();
  }
  return pid;
}

void ProcessTable::finish(const std::string& pid, core::Result<core::Value> result) {
  ExitWork work;
  {
    std::lock_guard lock(mu_);
    auto it = records_.find(pid);
    if (it == records_.end()) return;
    // A terminated process reports why it was stopped, not the error its unwinding produced.
    if (it->second.killed) result = *it->second.killed;
    collect_exit_locked(pid, it->second, !result, &work);
  }
  deliver_exit(pid, result, work);
}

core::Status ProcessTable::send(const std::string& pid_or_name, core::Value message) {
  if (auto node = node_of(pid_or_name); remote_.send && !node.empty() && node != remote_.node)
    return remote_.send(std::string(node), pid_or_name, std::move(message));
  auto pid = resolve(pid_or_name);
  if (!pid) return std::move(pid).error();
  return deliver(*pid, std::move(message));
}

}  // namespace wirt::sched

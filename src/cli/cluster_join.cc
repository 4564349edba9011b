#include "cli/cluster_join.h"

#include <fmt/format.h>

#include "cluster/config.h"

namespace wirt::cli {

namespace {

// Function entries, minus those kept private with meta.cluster: local (docs/cluster.md §3).
std::vector<std::string> served_function_ids(const app::App& app) {
  std::vector<std::string> ids;
  auto running = app.entries();
  for (const auto& e : running->entries) {
    if (!app::is_function_kind(e.kind) || !app.functions().contains(e.id.str())) continue;
    if (e.meta.get_string("cluster") == "local") continue;
    ids.push_back(e.id.str());
  }
  return ids;
}

}  // namespace

core::Status ClusterMembership::readvertise(const app::App& app) {
  if (!serving || !calls) return {};
  std::vector<std::string> ids = served_function_ids(app);
  WIRT_TRY(calls->serve(ids));
  // Shown whatever --log-level (as the join line): the user saved a file and wants to know.
  fmt::print(stderr, "wirt: cluster node {} now serves {} function{}\n", node->config().node, ids.size(),
             ids.size() == 1 ? "" : "s");
  return {};
}

core::Result<std::unique_ptr<ClusterMembership>> join_cluster(app::App& app, const CommonOptions& opts, ClusterRole role) {
  auto file = cluster::load_app_config(app.paths().root);
  if (!file) return std::move(file).error();
  auto config = cluster::apply_flags(std::move(*file), opts.cluster, opts.node);
  if (!config) return std::move(config).error();
  if (!config->enabled()) return std::unique_ptr<ClusterMembership>();
  auto m = std::make_unique<ClusterMembership>();
  auto node = cluster::Node::join(*config);
  if (!node) return std::move(node).error();
  m->node = std::move(*node);
  auto calls = cluster::RemoteCalls::start(m->node, &app.scheduler(), &app.functions(), &app.policies());
  if (!calls) return std::move(calls).error();
  m->calls = std::move(*calls);
  m->names = cluster::Names::start(m->node);
  auto processes = cluster::RemoteProcessBridge::start(m->calls, &app.scheduler(), &app.processes(), m->names);
  if (!processes) return std::move(processes).error();
  m->processes = std::move(*processes);
  size_t served = 0;
  if (role == ClusterRole::Serve) {
    m->serving = true;
    std::vector<std::string> ids = served_function_ids(app);
    WIRT_TRY(m->calls->serve(ids));
    served = ids.size();
    // Process hosts are cluster-wide: remote spawns on them come here (docs/cluster.md §3).
    std::vector<std::string> hosts;
    auto running = app.entries();
    for (const auto& e : running->entries) {
      if (e.kind == "process.host" && app.processes().has_host(e.id.str()) && e.meta.get_string("cluster") != "local") {
        hosts.push_back(e.id.str());
      }
    }
    WIRT_TRY(m->processes->serve_hosts(hosts));
  }
  std::weak_ptr<cluster::RemoteCalls> weak = m->calls;
  app.set_function_fallback([weak](const sched::CallContext& ctx, const std::string& id, const core::Array& args) {
    auto calls = weak.lock();
    if (!calls) return core::Result<core::Value>(core::unavailable(fmt::format("cluster left: cannot call {}", id)));
    return calls->call(ctx, id, args);
  });
  bool ready = role == ClusterRole::Client ? m->node->wait_connected(std::chrono::seconds(3)) : m->node->connected();
  if (ready) ready = m->node->flush(std::chrono::seconds(2));
  // Always shown (whatever --log-level), as http.service addresses are: scripts wait for it.
  fmt::print(stderr, "wirt: cluster node {} {} {} at {} serving {} function{}\n", config->node,
             ready ? "joined" : "is joining", config->name, fmt::join(config->servers, ","), served,
             served == 1 ? "" : "s");
  return m;
}

}  // namespace wirt::cli

// Joining a cluster from the CLI (docs/cluster.md §1): `--cluster URL[,URL…] [--node NAME]` on
// `wirt run`, `wirt call` and `wirt test`, or the `cluster:` section of the app's `.wippy.yaml`.
// One thread (the command's) uses a Membership; its destructor leaves the cluster.
#pragma once

#include <memory>

#include "app/app.h"
#include "cli/cli.h"
#include "cluster/names.h"
#include "cluster/node.h"
#include "cluster/remote_calls.h"
#include "cluster/remote_processes.h"

namespace wirt::cli {

struct ClusterMembership {
  std::shared_ptr<cluster::Node> node;
  std::shared_ptr<cluster::RemoteCalls> calls;
  std::shared_ptr<cluster::RemoteProcessBridge> processes;
  // Cluster-wide process names (docs/cluster.md §7): Lua's process.registry in a cluster.
  std::shared_ptr<cluster::Names> names;
  // Serves exactly the app's current function entries (after a hot reload: added ids are
  // advertised, removed or now-local ones withdrawn). No-op for a client. Logs the change.
  [[nodiscard]] core::Status readvertise(const app::App& app);
  bool serving = false;  // joined as ClusterRole::Serve
  ~ClusterMembership() {
    if (names) names->release_own();
    if (node) node->leave();
  }
};

// Whether this node offers its functions to the cluster (`wirt run`) or only calls out
// (`wirt call`, `wirt test`, commands: short-lived, so they never take other nodes' calls).
enum class ClusterRole { Serve, Client };

// Joins when the flags or `.wippy.yaml` name servers; nullptr (no error) when neither does.
// Installs the app's function fallback. A client waits up to 3 s for the connection.
core::Result<std::unique_ptr<ClusterMembership>> join_cluster(app::App& app, const CommonOptions& opts, ClusterRole role);

}  // namespace wirt::cli

// Cluster configuration (docs/cluster.md §1): the `cluster:` section of the app's
// `.wippy.yaml` and the `--cluster URL[,URL…]` / `--node NAME` flags of `wirt run`, `wirt call`
// and `wirt test` (flags override the file). Plain data and pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "core/value.h"

namespace wirt::cluster {

struct Config {
  std::vector<std::string> servers;  // nats://HOST:PORT …; empty = not clustered
  std::string node;                  // this node's name; default hostname-pid
  std::string name = "wirt";         // the cluster name: the first token of every subject
  std::string credentials;           // NATS user JWT + nkey seed file (absolute), or ""
  std::string user, password;        // NATS user/password authentication, or ""
  std::string token;                 // NATS token authentication, or ""
  std::string tls_ca, tls_cert, tls_key;  // PEM files (absolute), or ""
  core::Nanos heartbeat = std::chrono::seconds(1);
  size_t max_message = 8u << 20;

  bool enabled() const { return !servers.empty(); }
};

// The `cluster:` value of a `.wippy.yaml` (relative file paths resolve against `base`). Every
// unknown field, wrong type or bad value is an Invalid error naming `cluster.<field>` in `file`.
core::Result<Config> parse_config(const core::Value& section, const std::filesystem::path& base,
                                  std::string_view file);
// Reads `<app_root>/.wippy.yaml` when it exists; a default (disabled) Config when it does not or
// has no `cluster:` section.
core::Result<Config> load_app_config(const std::filesystem::path& app_root);
// Applies the command-line flags (empty = not given): `servers` is a comma-separated URL list.
// Fills the default node name and checks the result (names usable as subject tokens, URLs
// nats:// or tls://).
core::Result<Config> apply_flags(Config config, const std::string& servers, const std::string& node);

}  // namespace wirt::cluster

// Configuration of function.wat, function.wasm and process.wasm entries, with the reference's
// fields, defaults and validation messages (reference-wasm-runtime §1.2–1.3, §4.1) plus wirt's
// additions (limits.max_memory_mb, pool.worker_class). Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "registry/entry.h"
#include "wasi/mounts.h"

namespace wirt::sched {
class Policies;
}

namespace wirt::host {

struct PoolConfig {
  std::string type;  // "" (auto), inline, lazy, static, adaptive
  int64_t size = 0, workers = 0, buffer = 0, max_size = 0;
  bool warm_start = false;
  std::string worker_class;  // "" or "wasm" (docs-only in the reference; see sched/worker_class.h)
};

// What a pool config resolves to (reference-wasm-runtime §4.1).
struct PoolPlan {
  std::string type;     // inline | lazy | static | adaptive
  size_t max = 1;       // most instances alive at once
  size_t initial = 0;   // instances created at boot
  size_t queue = 0;     // static/adaptive queue capacity (informational: callers wait, never fail)
};

struct WasiEnv {
  std::string id, name;
  bool required = false;
};
struct WasiMount {
  std::string fs, guest;
  bool read_only = false;
};
struct WasiConfig {
  std::vector<std::string> args;
  std::string cwd;
  std::vector<WasiEnv> env;
  std::vector<WasiMount> mounts;
  // Set by the host before load, not parsed: the host folder behind each mount (an
  // fs.directory's root, or `wirt exec --dir`), and variables given as they are
  // (`wirt exec --env`), beside the `env:` items resolved at call time.
  std::vector<wasi::HostMount> host_mounts;
  std::vector<std::pair<std::string, std::string>> fixed_env;
  // The app's policies for the per-call `fs.get` check of each mount's filesystem
  // (reference-wasm-runtime §7.3); null (no check) outside an app, e.g. `wirt exec`.
  const sched::Policies* policies = nullptr;
};

// Upper bounds of numeric fields (checked by parse_wasm_config; nothing is truncated silently).
inline constexpr int64_t kMaxExecutionMs = 86'400'000;  // one day
inline constexpr int64_t kMaxPoolSize = 100'000;

struct WasmConfig {
  std::string kind;    // function.wat | function.wasm | process.wasm
  std::string source;  // function.wat
  std::string fs, path, hash;  // function.wasm / process.wasm
  std::string method;
  std::string wit;
  std::string transport = "payload";  // payload | wasi-http
  std::vector<std::string> imports;  // canonical group names ("wasi:poll", "funcs", …)
  // wirt's `host:` map: an imported interface function ("ns:pkg/iface@ver#func") served by a
  // registry function ("ns:name"), e.g. a Lua function implementing a component's host.
  std::vector<std::pair<std::string, std::string>> host;
  WasiConfig wasi;
  PoolConfig pool;
  int64_t max_execution_ms = 0;  // 0 = no limit
  int64_t max_memory_mb = 0;     // 0 = the wasm32 maximum (4 GiB)
  int64_t max_output_mb = 0;     // stdout+stderr bytes per call; 0 = 16 MiB
};

// Reads and validates an entry's config. Errors are Invalid with the reference's text:
// "failed to unpack <kind> config: invalid configuration: <rule message>".
core::Result<WasmConfig> parse_wasm_config(const registry::Entry& entry);
PoolPlan plan_pool(const PoolConfig& pool);
// The `imports:` group an item or a guest interface name belongs to ("wasi:io/poll@0.2.8" →
// "wasi:poll", "preview1" → "wasi1"), matched as the reference does (reference-wasm-runtime
// §7.1: lower-cased, `@version` cut, group names and aliases); nullopt when none.
std::optional<std::string> import_group(std::string item);
// Verifies `bytes` against "sha256:<hex>" (hex compared case-insensitively). Returns the
// sha256 (lower-case hex) of `bytes`, so that the caller can key its caches on it instead of
// hashing the content again (13 MB for a JavaScript component).
[[nodiscard]] core::Result<std::string> verify_hash(std::string_view bytes, std::string_view spec);

}  // namespace wirt::host

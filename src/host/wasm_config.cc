#include "host/wasm_config.h"

#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>
#include "core/open_beneath.h"
#include "core/sha256.h"
#include "registry/config_number.h"

namespace wirt::host {

namespace {

std::string trim(std::string s) {
  auto ws = [](unsigned char c) { return std::isspace(c); };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), ws));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), ws).base(), s.end());
  return s;
}


struct Reader {
  const core::Value& data;
  std::string problem;  // first decode problem

  std::string str(const core::Value& m, const char* key) {
    const core::Value* v = m.find(key);
    if (!v || v->is_nil()) return "";
    if (v->is_string()) return v->as_string();
    if (problem.empty()) problem = fmt::format("{}: expected a string, got {}", key, v->type_name());
    return "";
  }
  // An integer field at `path` within [min, max] (registry/config_number.h); 0 when absent.
  int64_t num(const core::Value& m, const char* key, std::string_view path, int64_t min = registry::kNoMin,
              int64_t max = registry::kNoMax) {
    auto n = registry::checked_int(m.find(key), path, min, max);
    if (!n) {
      if (problem.empty()) problem = n.error().message();
      return 0;
    }
    return n->value_or(0);
  }
  bool flag(const core::Value& m, const char* key) {
    const core::Value* v = m.find(key);
    if (!v || v->is_nil()) return false;
    if (v->is_bool()) return v->as_bool();
    if (problem.empty()) problem = fmt::format("{}: expected a boolean, got {}", key, v->type_name());
    return false;
  }
  const core::Value& sub(const core::Value& m, const char* key) {
    static const core::Value empty = core::Value::map();
    const core::Value* v = m.find(key);
    if (!v || v->is_nil()) return empty;
    if (v->is_map()) return *v;
    if (v->is_array() && v->as_array().empty()) return empty;
    if (problem.empty()) problem = fmt::format("{}: expected a map, got {}", key, v->type_name());
    return empty;
  }
  std::vector<const core::Value*> list(const core::Value& m, const char* key) {
    std::vector<const core::Value*> out;
    const core::Value* v = m.find(key);
    if (!v || v->is_nil()) return out;
    if (v->is_map() && v->as_map().empty()) return out;
    if (!v->is_array()) {
      if (problem.empty()) problem = fmt::format("{}: expected a list, got {}", key, v->type_name());
      return out;
    }
    for (const auto& e : v->as_array()) out.push_back(&e);
    return out;
  }
};

}  // namespace

// Resolves an `imports:` item to its group (reference-wasm-runtime §7.1 "Token matching"):
// lower-cased, trimmed, `@version` cut, then matched against group names and aliases.
std::optional<std::string> import_group(std::string item) {
  item = trim(item);
  std::transform(item.begin(), item.end(), item.begin(), [](unsigned char ch) { return std::tolower(ch); });
  item = item.substr(0, item.find('@'));
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kGroups = {
      {"funcs", {"wippy:runtime/funcs"}},
      {"wippy:process", {"wippy:process/inbox"}},
      {"wasi1", {"wasi-preview1", "preview1", "wasi_snapshot_preview1"}},
      {"wasi:io", {"wasi:io/error", "wasi:io/streams"}},
      {"wasi:poll", {"wasi:io/poll"}},
      {"wasi:clocks", {"wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"}},
      {"wasi:cli", {"wasi:cli/environment", "wasi:cli/exit", "wasi:cli/stdin", "wasi:cli/stdout", "wasi:cli/stderr",
                    "wasi:cli/terminal-input", "wasi:cli/terminal-output", "wasi:cli/terminal-stdin",
                    "wasi:cli/terminal-stdout", "wasi:cli/terminal-stderr"}},
      {"wasi:filesystem", {"wasi:filesystem/types", "wasi:filesystem/preopens"}},
      {"wasi:random", {"wasi:random/random", "wasi:random/insecure", "wasi:random/insecure-seed"}},
      {"wasi:sockets", {"wasi:sockets/instance-network", "wasi:sockets/tcp-create-socket", "wasi:sockets/tcp",
                        "wasi:sockets/udp-create-socket", "wasi:sockets/udp", "wasi:sockets/ip-name-lookup"}},
      {"wasi:http", {"wasi:http/types", "wasi:http/outgoing-handler"}},
  };
  for (const auto& [group, aliases] : kGroups) {
    if (item == group || std::find(aliases.begin(), aliases.end(), item) != aliases.end()) return group;
  }
  return std::nullopt;
}

core::Result<WasmConfig> parse_wasm_config(const registry::Entry& entry) {
  WasmConfig c;
  c.kind = entry.kind;
  Reader r{entry.data, {}};
  const core::Value& d = entry.data;
  bool wat = entry.kind == "function.wat";
  if (wat) {
    c.source = r.str(d, "source");
  } else {
    c.fs = r.str(d, "fs");
    c.path = r.str(d, "path");
    c.hash = r.str(d, "hash");
  }
  c.method = r.str(d, "method");
  c.wit = r.str(d, "wit");
  std::string transport = r.str(d, "transport");
  for (const core::Value* item : r.list(d, "imports")) {
    c.imports.push_back(item->is_string() ? item->as_string() : "");
  }
  for (const auto& [import, target] : r.sub(d, "host").as_map()) {
    std::string t = target.is_string() ? target.as_string() : "";
    c.host.emplace_back(import, t.empty() ? t : registry::EntryId::parse(t).with_default_ns(entry.id.ns).str());
  }
  const core::Value& wasi = r.sub(d, "wasi");
  for (const core::Value* a : r.list(wasi, "args")) c.wasi.args.push_back(a->is_string() ? a->as_string() : "");
  c.wasi.cwd = r.str(wasi, "cwd");
  for (const core::Value* e : r.list(wasi, "env")) {
    c.wasi.env.push_back({r.str(*e, "id"), r.str(*e, "name"), r.flag(*e, "required")});
  }
  for (const core::Value* m : r.list(wasi, "mounts")) {
    c.wasi.mounts.push_back({r.str(*m, "fs"), r.str(*m, "guest"), r.flag(*m, "read_only")});
  }
  const core::Value& pool = r.sub(d, "pool");
  c.pool.type = r.str(pool, "type");
  // Negative pool values get the reference's message below; only the upper bound is checked here.
  c.pool.size = r.num(pool, "size", "pool.size", registry::kNoMin, kMaxPoolSize);
  c.pool.workers = r.num(pool, "workers", "pool.workers", registry::kNoMin, kMaxPoolSize);
  c.pool.buffer = r.num(pool, "buffer", "pool.buffer", registry::kNoMin, kMaxPoolSize);
  c.pool.max_size = r.num(pool, "max_size", "pool.max_size", registry::kNoMin, kMaxPoolSize);
  c.pool.warm_start = r.flag(pool, "warm_start");
  c.pool.worker_class = r.str(pool, "worker_class");
  const core::Value& limits = r.sub(d, "limits");
  // Range-checked because the engine keeps them in 32 bits: 4294967296 ms used to wrap to 0
  // (no limit at all).
  c.max_execution_ms = r.num(limits, "max_execution_ms", "limits.max_execution_ms", 0, kMaxExecutionMs);
  c.max_memory_mb = r.num(limits, "max_memory_mb", "limits.max_memory_mb", 0, 4096);
  c.max_output_mb = r.num(limits, "max_output_mb", "limits.max_output_mb", 0, 1024);

  auto fail = [&](const std::string& msg) {
    return core::invalid(fmt::format("failed to unpack {} config: invalid configuration: {}", entry.kind, msg));
  };
  if (!r.problem.empty()) {
    return core::invalid(fmt::format("failed to unpack {} config: failed to unpack wasm config: {}", entry.kind, r.problem));
  }
  // Rules in the reference's order (reference-wasm-runtime §1.3).
  if (wat && c.source.empty()) return fail("source is required");
  if (!wat) {
    if (c.fs.empty()) return fail("fs is required");
    if (c.path.empty()) return fail("path is required");
    if (c.hash.empty()) return fail("hash is required");
  }
  if (c.method.empty()) return fail("method is required");
  for (auto& imp : c.imports) {
    if (imp.empty() || imp.back() == ':') return fail("import :name cannot be empty");
    auto group = import_group(imp);
    if (!group) {
      return core::invalid(fmt::format("unsupported wasm host import: {}{}", imp.find(':') == std::string::npos ? ":" : "", imp));
    }
    imp = *group;
  }
  for (const auto& [import, target] : c.host) {
    if (import.find('#') == std::string::npos && import.find('/') != std::string::npos) {
      return fail(fmt::format("host: {}: name an interface function as ns:pkg/iface@version#func", import));
    }
    if (target.empty()) return fail(fmt::format("host: {}: the target must be a function id (ns:name)", import));
  }
  if (transport.empty()) transport = "payload";
  if (transport != "payload" && transport != "wasi-http") return fail("invalid transport type");
  c.transport = transport;
  const PoolConfig& p = c.pool;
  if (p.size < 0 || p.workers < 0 || p.buffer < 0 || p.max_size < 0) return fail("pool values cannot be negative");
  if (!p.type.empty() && p.type != "lazy" && p.type != "static" && p.type != "inline" && p.type != "adaptive") {
    return fail("invalid pool type");
  }
  bool flex = p.workers == 0 && (p.size == 0 || p.max_size > 0);
  if (!flex && p.size <= 0) return fail("pool.size must be greater than 0 for non-flex pools");
  if (!p.worker_class.empty() && p.worker_class != "wasm") return fail("invalid pool.worker_class (only \"wasm\")");
  if (!c.wasi.cwd.empty() && c.wasi.cwd[0] != '/') return fail("wasi.cwd must be absolute");
  std::set<std::string> env_names;
  for (const auto& e : c.wasi.env) {
    registry::EntryId id = registry::EntryId::parse(e.id);
    if (id.name.empty()) return fail("wasi.env[].id is required");
    std::string name = trim(e.name);
    if (name.empty()) return fail("wasi.env[].name is required");
    if (!env_names.insert(name).second) return fail("wasi.env[].name must be unique");
  }
  std::set<std::string> guests;
  for (const auto& m : c.wasi.mounts) {
    if (registry::EntryId::parse(m.fs).name.empty()) return fail("wasi.mounts[].fs is required");
    std::string guest = trim(m.guest);
    if (guest.empty()) return fail("wasi.mounts[].guest is required");
    if (guest[0] != '/') return fail("wasi.mounts[].guest must be absolute");
    if (!guests.insert(core::clean_path(guest)).second) return fail("wasi.mounts[].guest must be unique");
  }
  return c;
}

PoolPlan plan_pool(const PoolConfig& p) {
  auto positive = [](int64_t v, size_t fallback) { return v > 0 ? static_cast<size_t>(v) : fallback; };
  if (p.type == "inline") return {"inline", 1, 1, 0};
  if (p.type == "lazy") return {"lazy", positive(p.max_size, 16), 0, 0};
  if (p.type == "static") {
    size_t workers = positive(p.workers, positive(p.size, 8));
    return {"static", workers, workers, positive(p.buffer, workers * 64)};
  }
  if (p.type == "adaptive") {
    size_t max = positive(p.max_size, 16);
    return {"adaptive", max, 1, max * 64};
  }
  // No type: the reference's autoSelectPool.
  if (p.workers == 0 && (p.size == 0 || p.max_size > 0)) return {"lazy", positive(p.max_size, 100), 0, 0};
  if (p.workers > 0) {
    size_t workers = static_cast<size_t>(p.workers);
    return {"static", workers, workers, positive(p.buffer, workers * 64)};
  }
  return {"inline", 1, 1, 0};
}

core::Result<std::string> verify_hash(std::string_view bytes, std::string_view spec) {
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return core::invalid(fmt::format("invalid hash format: {}", spec));
  std::string alg(spec.substr(0, colon));
  if (alg != "sha256") return core::invalid(fmt::format("unsupported hash algorithm: {}", alg));
  std::string want(spec.substr(colon + 1));
  std::transform(want.begin(), want.end(), want.begin(), [](unsigned char ch) { return std::tolower(ch); });
  std::string got = core::sha256_hex(bytes);
  if (want != got) {
    return core::invalid(fmt::format("hash verification failed: hash mismatch: expected {}, got {}", want, got));
  }
  return got;
}

}  // namespace wirt::host

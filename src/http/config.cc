#include "http/config.h"

#include <charconv>

#include <fmt/format.h>

#include "registry/config_number.h"
#include "sched/security.h"

namespace wirt::http {

namespace {

// Reads optional fields, remembering the first type error as "<field>: <reason>".
struct Fields {
  std::string problem;

  const core::Value* get(const core::Value& m, std::string_view key) {
    const core::Value* v = m.is_map() ? m.find(key) : nullptr;
    return v && !v->is_nil() ? v : nullptr;
  }
  std::string str(const core::Value& m, std::string_view key, std::string_view field) {
    const core::Value* v = get(m, key);
    if (!v) return "";
    if (!v->is_string()) {
      fail(field, fmt::format("must be a string, got {}", v->type_name()));
      return "";
    }
    return v->as_string();
  }
  bool flag(const core::Value& m, std::string_view key, std::string_view field) {
    const core::Value* v = get(m, key);
    if (!v) return false;
    if (v->is_bool()) return v->as_bool();
    if (v->is_string() && (v->as_string() == "true" || v->as_string() == "false")) return v->as_string() == "true";
    fail(field, "must be a boolean");
    return false;
  }
  const core::Value& sub(const core::Value& m, std::string_view key, std::string_view field) {
    static const core::Value kEmpty = core::Value::map();
    const core::Value* v = get(m, key);
    if (!v) return kEmpty;
    if (!v->is_map()) {
      fail(field, "must be a map");
      return kEmpty;
    }
    return *v;
  }
  // A Go duration string ("5s"); `dflt` when absent; negative values are refused as the
  // reference does ("read timeout must be non-negative"); past a day is surely a mistake.
  core::Nanos duration(const core::Value& m, std::string_view key, std::string_view field, core::Nanos dflt) {
    auto d = registry::checked_duration(get(m, key), field, core::Nanos(0), std::chrono::hours(24));
    if (!d) {
      fail(d.error().message());
      return dflt;
    }
    return d->value_or(dflt);
  }
  // A positive number of bytes (registry/config_number.h: integral, no wrap).
  uint64_t size(const core::Value& m, std::string_view key, std::string_view field, uint64_t dflt) {
    auto n = registry::checked_int(get(m, key), field, 1, registry::kNoMax);
    if (!n) {
      fail(n.error().message());
      return dflt;
    }
    return n->has_value() ? static_cast<uint64_t>(**n) : dflt;
  }
  void fail(std::string message) {
    if (problem.empty()) problem = std::move(message);
  }
  void fail(std::string_view field, std::string_view why) {
    if (problem.empty()) problem = fmt::format("{}: {}", field, why);
  }
};

std::string relative_id(const std::string& id, const registry::Entry& entry) {
  return id.empty() ? id : registry::EntryId::parse(id).with_default_ns(entry.id.ns).str();
}

bool valid_method(const std::string& m) {
  for (const char* ok : {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"})
    if (m == ok) return true;
  return false;
}

}  // namespace

core::Result<std::pair<std::string, uint16_t>> split_addr(std::string_view addr) {
  size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) return core::invalid(fmt::format("\"{}\" has no port (use host:port or :port)", addr));
  std::string_view host = addr.substr(0, colon), port = addr.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return core::invalid(fmt::format("\"{}\": port must be a number 0-65535", addr));
  }
  return std::make_pair(std::string(host), static_cast<uint16_t>(value));
}

core::Result<ServiceConfig> parse_service(const registry::Entry& entry) {
  ServiceConfig c;
  c.id = entry.id.str();
  Fields f;
  const core::Value& d = entry.data;
  std::string addr = f.str(d, "addr", "addr");
  c.network = f.str(d, "network", "network");
  const core::Value& timeouts = f.sub(d, "timeouts", "timeouts");
  c.read_timeout = f.duration(timeouts, "read", "timeouts.read", c.read_timeout);
  c.write_timeout = f.duration(timeouts, "write", "timeouts.write", c.write_timeout);
  c.idle_timeout = f.duration(timeouts, "idle", "timeouts.idle", c.idle_timeout);
  const core::Value& tls = f.sub(d, "tls", "tls");
  std::string mode = f.str(tls, "mode", "tls.mode");
  c.tls_cert = f.str(tls, "cert", "tls.cert");
  c.tls_key = f.str(tls, "key", "tls.key");
  const core::Value& lifecycle = f.sub(d, "lifecycle", "lifecycle");
  c.auto_start = f.flag(lifecycle, "auto_start", "lifecycle.auto_start");
  c.drain_timeout = f.duration(lifecycle, "stop_timeout", "lifecycle.stop_timeout", c.drain_timeout);
  if (auto identity = sched::parse_service_identity(lifecycle.find("security"), entry); !identity) {
    f.fail(identity.error().message());
  } else {
    c.actor = std::move(identity->actor);
    c.scope = std::move(identity->scope);
  }
  const core::Value& limits = f.sub(d, "limits", "limits");
  c.max_header_bytes = f.size(limits, "max_header_size", "limits.max_header_size", c.max_header_bytes);
  c.max_body_bytes = f.size(limits, "max_body_size", "limits.max_body_size", c.max_body_bytes);
  if (!f.problem.empty()) return core::invalid(f.problem);
  // Rules in the reference's order (config.go ServerConfig.Validate).
  if (addr.empty()) return core::invalid("addr: address is required");
  auto hp = split_addr(addr);
  if (!hp) return core::invalid("addr: " + hp.error().message());
  c.host = hp->first;
  c.port = hp->second;
  if (!c.network.empty() && c.network != "tcp" && c.network != "tcp4" && c.network != "tcp6") {
    return core::invalid(fmt::format("network: \"{}\" is not supported (tcp, tcp4 or tcp6)", c.network));
  }
  bool has_cert = !c.tls_cert.empty() || !c.tls_key.empty();
  if (mode.empty() && has_cert) mode = "manual";  // wirt: cert + key alone mean manual TLS
  if (mode == "auto") return core::invalid("tls.mode: auto (ACME) is not supported; give tls.cert and tls.key");
  if (!mode.empty() && mode != "manual") return core::invalid("tls.mode: invalid tls.mode: " + mode);
  if (mode == "manual") {
    if (c.tls_cert.empty() != c.tls_key.empty()) return core::invalid("tls: tls.mode=manual: cert and key must both be set");
    if (c.tls_cert.empty()) return core::invalid("tls: tls.mode=manual requires cert+key");
  }
  return c;
}

core::Result<RouterConfig> parse_router(const registry::Entry& entry) {
  RouterConfig c;
  c.id = entry.id.str();
  Fields f;
  c.server = relative_id(f.str(entry.meta, "server", "meta.server"), entry);
  c.prefix = f.str(entry.data, "prefix", "prefix");
  if (!f.problem.empty()) return core::invalid(f.problem);
  if (c.server.empty()) return core::invalid("meta.server: server metadata is required");
  if (!c.prefix.empty() && c.prefix.front() != '/') c.prefix.insert(c.prefix.begin(), '/');
  while (!c.prefix.empty() && c.prefix.back() == '/') c.prefix.pop_back();
  return c;
}

core::Result<EndpointConfig> parse_endpoint(const registry::Entry& entry) {
  EndpointConfig c;
  c.id = entry.id.str();
  Fields f;
  c.router = relative_id(f.str(entry.meta, "router", "meta.router"), entry);
  c.method = f.str(entry.data, "method", "method");
  c.path = f.str(entry.data, "path", "path");
  c.func = f.str(entry.data, "func", "func");
  if (!f.problem.empty()) return core::invalid(f.problem);
  // Rules in the reference's order (config.go EndpointConfig.Validate).
  if (c.func.empty()) return core::invalid("func: function name is required");
  c.func = relative_id(c.func, entry);
  if (c.path.empty()) return core::invalid("path: path is required");
  if (c.path.front() != '/') return core::invalid("path: path must start with /");
  if (c.method.empty()) return core::invalid("method: method is required");
  if (!valid_method(c.method)) return core::invalid("method: invalid HTTP method: " + c.method);
  if (c.router.empty()) return core::invalid("meta.router: router metadata is required");
  return c;
}

core::Result<StaticConfig> parse_static(const registry::Entry& entry) {
  StaticConfig c;
  c.id = entry.id.str();
  Fields f;
  c.server = relative_id(f.str(entry.meta, "server", "meta.server"), entry);
  c.fs = relative_id(f.str(entry.data, "fs", "fs"), entry);
  c.directory = f.str(entry.data, "directory", "directory");
  c.path = f.str(entry.data, "path", "path");
  const core::Value& opts = f.sub(entry.data, "static_options", "static_options");
  c.index = f.str(opts, "index", "static_options.index");
  c.spa = f.flag(opts, "spa", "static_options.spa");
  c.cache = f.str(opts, "cache", "static_options.cache");
  if (!f.problem.empty()) return core::invalid(f.problem);
  if (c.path.empty()) return core::invalid("path: path is required");
  if (c.path.front() != '/') return core::invalid("path: path must start with /");
  while (c.path.size() > 1 && c.path.back() == '/') c.path.pop_back();
  if (c.server.empty()) return core::invalid("meta.server: server metadata is required");
  if (c.fs.empty()) return core::invalid("fs: is required (an fs.directory entry)");
  return c;
}

}  // namespace wirt::http

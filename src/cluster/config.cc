#include "cluster/config.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cluster/subjects.h"
#include "registry/yaml_value.h"

namespace wirt::cluster {

namespace {

namespace fs = std::filesystem;

core::Result<std::vector<std::string>> split_servers(std::string_view list, std::string_view what) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string url(list.substr(start, comma - start));
    if (url.empty()) return core::invalid(fmt::format("{}: an empty server URL in \"{}\"", what, list));
    out.push_back(std::move(url));
    start = comma + 1;
  }
  return out;
}

// "8MB", "512KB", "1GB", "1048576" (bytes) or an integer, at most 1 GiB (NATS's own payload
// limit is 64 MB; the cap keeps "999999999999GB" from wrapping around — issue 9 item 6).
constexpr uint64_t kMaxSize = uint64_t{1} << 30;
core::Result<size_t> parse_size(const core::Value& v, std::string_view what) {
  if (v.is_int() && v.as_int() > 0 && static_cast<uint64_t>(v.as_int()) <= kMaxSize)
    return static_cast<size_t>(v.as_int());
  if (v.is_string()) {
    const std::string& s = v.as_string();
    size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
    std::string unit = s.substr(digits);
    size_t mult = unit.empty() || unit == "B" ? 1 : unit == "KB" ? 1u << 10 : unit == "MB" ? 1u << 20 : unit == "GB" ? 1u << 30 : 0;
    if (digits > 0 && digits <= 12 && mult != 0) {
      uint64_t n = std::stoull(s.substr(0, digits));
      if (n > 0 && n <= kMaxSize / mult) return static_cast<size_t>(n * mult);
    }
  }
  return core::invalid(fmt::format("{}: expected a size such as 8MB, 512KB or a byte count, at most 1GB", what));
}

core::Result<std::string> path_field(const core::Value& v, const fs::path& base, std::string_view what) {
  if (!v.is_string() || v.as_string().empty()) return core::invalid(fmt::format("{}: expected a file path", what));
  fs::path p(v.as_string());
  return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

}  // namespace

core::Result<Config> parse_config(const core::Value& section, const fs::path& base, std::string_view file) {
  Config c;
  if (section.is_nil()) return c;
  if (!section.is_map()) return core::invalid(fmt::format("{}: cluster: expected a mapping", file));
  for (const auto& [key, v] : section.as_map()) {
    std::string what = fmt::format("{}: cluster.{}", file, key);
    if (key == "servers") {
      if (v.is_string()) {
        auto list = split_servers(v.as_string(), what);
        if (!list) return std::move(list).error();
        c.servers = std::move(*list);
      } else if (v.is_array()) {
        for (const auto& s : v.as_array()) {
          if (!s.is_string() || s.as_string().empty()) return core::invalid(what + ": expected a list of URLs");
          c.servers.push_back(s.as_string());
        }
      } else {
        return core::invalid(what + ": expected a URL or a list of URLs");
      }
    } else if (key == "node" || key == "name") {
      if (!v.is_string()) return core::invalid(what + ": expected a string");
      (key == "node" ? c.node : c.name) = v.as_string();
    } else if (key == "user" || key == "password" || key == "token") {
      if (!v.is_string() || v.as_string().empty()) return core::invalid(what + ": expected a non-empty string");
      (key == "user" ? c.user : key == "password" ? c.password : c.token) = v.as_string();
    } else if (key == "credentials") {
      auto p = path_field(v, base, what);
      if (!p) return std::move(p).error();
      c.credentials = std::move(*p);
    } else if (key == "tls") {
      if (!v.is_map()) return core::invalid(what + ": expected a mapping {ca, cert, key}");
      for (const auto& [tk, tv] : v.as_map()) {
        std::string twhat = fmt::format("{}.{}", what, tk);
        std::string* slot = tk == "ca" ? &c.tls_ca : tk == "cert" ? &c.tls_cert : tk == "key" ? &c.tls_key : nullptr;
        if (!slot) return core::invalid(twhat + ": unknown field (ca, cert, key)");
        auto p = path_field(tv, base, twhat);
        if (!p) return std::move(p).error();
        *slot = std::move(*p);
      }
      if (c.tls_cert.empty() != c.tls_key.empty()) return core::invalid(what + ": cert and key go together");
    } else if (key == "heartbeat") {
      auto d = v.is_string() ? core::parse_duration(v.as_string()) : core::Result<core::Nanos>(core::invalid(""));
      if (!d || *d < std::chrono::milliseconds(50) || *d > std::chrono::minutes(1)) {
        return core::invalid(what + ": expected a duration between 50ms and 1m (e.g. 1s)");
      }
      c.heartbeat = *d;
    } else if (key == "max_message") {
      auto n = parse_size(v, what);
      if (!n) return std::move(n).error();
      c.max_message = *n;
    } else {
      return core::invalid(what +
                           ": unknown field (servers, node, name, user, password, token, credentials, tls, heartbeat, "
                           "max_message)");
    }
  }
  // One authentication method (NATS accepts one per connection).
  if (c.user.empty() != c.password.empty()) return core::invalid(fmt::format("{}: cluster.user and cluster.password go together", file));
  int methods = !c.user.empty() + !c.token.empty() + !c.credentials.empty();
  if (methods > 1) {
    return core::invalid(fmt::format("{}: cluster: use one of user/password, token or credentials", file));
  }
  return c;
}

core::Result<Config> load_app_config(const fs::path& app_root) {
  fs::path file = app_root / ".wippy.yaml";
  std::ifstream in(file);
  if (!in) return Config{};
  std::stringstream text;
  text << in.rdbuf();
  auto doc = registry::parse_yaml_value(text.str(), ".wippy.yaml");
  if (!doc) return std::move(doc).error();
  if (!doc->is_map()) return Config{};
  const core::Value* section = doc->find("cluster");
  return parse_config(section ? *section : core::Value(), app_root, ".wippy.yaml");
}

core::Result<Config> apply_flags(Config c, const std::string& servers, const std::string& node) {
  if (!servers.empty()) {
    auto list = split_servers(servers, "--cluster");
    if (!list) return std::move(list).error();
    c.servers = std::move(*list);
  }
  if (!node.empty()) c.node = node;
  if (!c.enabled()) {
    if (!node.empty()) return core::invalid("--node: needs --cluster URL (or cluster.servers in .wippy.yaml)");
    return c;
  }
  for (const auto& url : c.servers) {
    if (url.rfind("nats://", 0) != 0 && url.rfind("tls://", 0) != 0) {
      return core::invalid(fmt::format("cluster server \"{}\": expected nats://HOST:PORT or tls://HOST:PORT", url));
    }
  }
  if (c.node.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    std::string h;
    for (char ch : std::string(host)) h += valid_name(std::string(1, ch)) ? ch : '-';
    c.node = fmt::format("{}-{}", h.empty() ? "node" : h.substr(0, 40), getpid());
  }
  if (!valid_name(c.node)) {
    return core::invalid(fmt::format("cluster node name \"{}\": use 1-64 of A-Z a-z 0-9 _ - (it is a NATS subject token)", c.node));
  }
  if (!valid_name(c.name)) {
    return core::invalid(fmt::format("cluster name \"{}\": use 1-64 of A-Z a-z 0-9 _ - (it is a NATS subject token)", c.name));
  }
  return c;
}

}  // namespace wirt::cluster

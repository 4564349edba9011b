// Configuration of http.service, http.router, http.endpoint and http.static entries, with the
// reference's fields, defaults and validation texts (reference-platform §http.*,
// api/service/http/config.go) plus wirt's `limits` on a service. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "registry/entry.h"
#include "sched/call_context.h"

namespace wirt::http {

struct ServiceConfig {
  std::string id;
  std::string host;      // "" = every interface
  uint16_t port = 0;     // 0 = a free port, picked at start
  std::string network;   // "tcp" (default), "tcp4", "tcp6"
  // Defaults bound slow or idle clients (the reference leaves Go's "no limit"; a server on
  // the open network needs bounds — see README "HTTP").
  core::Nanos read_timeout = std::chrono::seconds(30);   // a request head, and each body read
  core::Nanos write_timeout = std::chrono::seconds(30);  // each write of the response
  core::Nanos idle_timeout = std::chrono::seconds(60);   // between keep-alive requests
  std::string tls_cert, tls_key;  // PEM files (app-relative); both empty = plain HTTP
  bool auto_start = false;        // lifecycle.auto_start (reference default: false)
  core::Nanos drain_timeout = std::chrono::seconds(10);  // lifecycle.stop_timeout
  size_t max_header_bytes = 16 * 1024;        // limits.max_header_size → 431 beyond
  uint64_t max_body_bytes = 16ull << 20;      // limits.max_body_size → 413 beyond
  std::optional<sched::Actor> actor;          // lifecycle.security.actor
  std::optional<std::vector<std::string>> scope;  // lifecycle.security.policies (+ groups)
};

struct RouterConfig {
  std::string id;
  std::string server;  // meta.server, ns-relative allowed
  std::string prefix;  // "" or "/api" (normalised: leading '/', no trailing '/')
};

struct EndpointConfig {
  std::string id;
  std::string router;  // meta.router
  std::string method;
  std::string path;
  std::string func;    // defaults to the entry's namespace
};

struct StaticConfig {
  std::string id;
  std::string server;     // meta.server
  std::string fs;         // an fs.directory entry
  std::string directory;  // a folder inside it ("" = its root)
  std::string path;       // URL prefix the files are served under
  std::string index;      // static_options.index ("" = none)
  bool spa = false;       // static_options.spa: unknown paths serve the index
  std::string cache;      // static_options.cache: the Cache-Control value ("" = none)
};

// Each parser returns Invalid naming the field ("addr: address is required"); the boot adds
// the entry id and file.
core::Result<ServiceConfig> parse_service(const registry::Entry& entry);
core::Result<RouterConfig> parse_router(const registry::Entry& entry);
core::Result<EndpointConfig> parse_endpoint(const registry::Entry& entry);
core::Result<StaticConfig> parse_static(const registry::Entry& entry);

// "host:port", ":port", "[v6]:port" → host and port (Invalid with the reason).
core::Result<std::pair<std::string, uint16_t>> split_addr(std::string_view addr);

}  // namespace wirt::http

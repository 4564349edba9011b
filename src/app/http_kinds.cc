#include "app/http_kinds.h"

#include <fmt/format.h>

#include "http/endpoint.h"
#include "http/static_files.h"

namespace wirt::app {

HttpKinds::~HttpKinds() { stop_all(); }

core::Status HttpKinds::add(const registry::Entry& entry) {
  if (entry.kind == "http.service") {
    auto c = http::parse_service(entry);
    if (!c) return std::move(c).error();
    service_entries_.emplace_back(&entry, std::move(*c));
  } else if (entry.kind == "http.router") {
    auto c = http::parse_router(entry);
    if (!c) return std::move(c).error();
    routers_.emplace_back(&entry, std::move(*c));
  } else if (entry.kind == "http.endpoint") {
    auto c = http::parse_endpoint(entry);
    if (!c) return std::move(c).error();
    WIRT_TRY(http::check_pattern(c->path));
    endpoints_.emplace_back(&entry, std::move(*c));
  } else if (entry.kind == "http.static") {
    auto c = http::parse_static(entry);
    if (!c) return std::move(c).error();
    statics_.emplace_back(&entry, std::move(*c));
  } else {
    return core::invalid(fmt::format("unsupported http kind {} (http.service, http.router, http.endpoint, http.static)", entry.kind));
  }
  return {};
}

void HttpKinds::link(const host::FsRegistry& fs, const Reject& reject) {
  for (auto& [e, c] : service_entries_) {
    std::string id = c.id;
    services_[id] = std::make_unique<http::Service>(std::move(c), scheduler_, app_root_);
  }
  install_routes(build_routes(service_configs(), fs, reject));
}

std::map<std::string, const http::ServiceConfig*> HttpKinds::service_configs() const {
  std::map<std::string, const http::ServiceConfig*> out;
  for (const auto& [id, svc] : services_) out[id] = &svc->config();
  return out;
}

void HttpKinds::install_routes(const RouteTables& tables) {
  for (auto& [id, svc] : services_) {
    auto t = tables.find(id);
    svc->set_routes(t == tables.end() ? std::make_shared<http::RouteTable>() : t->second);
  }
}

HttpKinds::RouteTables HttpKinds::build_routes(const std::map<std::string, const http::ServiceConfig*>& services,
                                               const host::FsRegistry& fs, const Reject& reject) const {
  RouteTables tables;
  for (const auto& [id, c] : services) tables[id] = std::make_shared<http::RouteTable>();
  // Routers: each on an existing service, one prefix per service.
  std::map<std::string, const http::RouterConfig*> router_by_id;
  std::map<std::pair<std::string, std::string>, std::string> prefixes;  // (server, prefix) → router
  for (const auto& [e, c] : routers_) {
    if (!services.count(c.server)) {
      reject(*e, core::not_found(fmt::format("meta.server: server not found: {}", c.server)));
      continue;
    }
    auto [it, fresh] = prefixes.emplace(std::make_pair(c.server, c.prefix), c.id);
    if (!fresh) {
      reject(*e, core::invalid(fmt::format("prefix: \"{}\" on {} is already used by router {}",
                                           c.prefix.empty() ? "/" : c.prefix, c.server, it->second)));
      continue;
    }
    router_by_id[c.id] = &c;
  }
  for (const auto& [e, c] : endpoints_) {
    auto r = router_by_id.find(c.router);
    if (r == router_by_id.end()) {
      reject(*e, core::not_found(fmt::format("meta.router: router not found: {}", c.router)));
      continue;
    }
    if (!functions_->contains(c.func)) {
      reject(*e, core::not_found(fmt::format("func: function not found: {}", c.func)));
      continue;
    }
    const http::ServiceConfig& svc = *services.at(r->second->server);
    http::EndpointIdentity who{svc.actor, svc.scope};
    std::string path = r->second->prefix + c.path;
    auto st = tables.at(r->second->server)->add(c.method, path, c.id, http::endpoint_handler(functions_, c.func, who));
    if (!st) reject(*e, st.error());
  }
  for (const auto& [e, c] : statics_) {
    auto t = tables.find(c.server);
    if (t == tables.end()) {
      reject(*e, core::not_found(fmt::format("meta.server: server not found: {}", c.server)));
      continue;
    }
    const host::Directory* dir = fs.find(c.fs);
    if (!dir) {
      reject(*e, core::not_found(fmt::format("fs: filesystem not found: {}", c.fs)));
      continue;
    }
    auto handler = http::static_handler(c, dir->root());
    if (!handler) {
      reject(*e, handler.error());
      continue;
    }
    if (auto st = t->second->add_mount(c.path, c.id, std::move(*handler)); !st) reject(*e, st.error());
  }
  return tables;
}

core::Status HttpKinds::start_auto() {
  for (auto& [id, svc] : services_) {
    if (!svc->config().auto_start) continue;
    if (auto st = svc->start(); !st) return core::Error(st.error()).wrap(fmt::format("http.service {}", id));
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> HttpKinds::listening() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [id, svc] : services_)
    if (!svc->url().empty()) out.emplace_back(id, svc->url());
  return out;
}

void HttpKinds::stop_all() {
  // Every listener closes first, then all services drain together (one deadline, not N).
  for (auto& [id, svc] : services_) svc->begin_stop();
  for (auto& [id, svc] : services_) svc->finish_stop();
}

http::Service* HttpKinds::service(const std::string& id) {
  auto it = services_.find(id);
  return it == services_.end() ? nullptr : it->second.get();
}

}  // namespace wirt::app

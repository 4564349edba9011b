// Kind handlers for http.service, http.router, http.endpoint and http.static (DESIGN §1.5a):
// entries are checked as they come (in dependency order), then link() wires routers to their
// services and endpoints/static mounts to routers once every function and filesystem exists,
// so a missing router, server, function or fs is an error naming the entry and the field.
//
// Thread-safety: boot (add, link) on one thread; start/stop from the main thread.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "host/fs_registry.h"
#include "http/config.h"
#include "http/service.h"
#include "registry/entry.h"
#include "sched/functions.h"
#include "sched/scheduler.h"

namespace wirt::app {

class HttpKinds {
 public:
  HttpKinds(std::filesystem::path app_root, sched::Scheduler* scheduler, const sched::FunctionTable* functions)
      : app_root_(std::move(app_root)), scheduler_(scheduler), functions_(functions) {}
  ~HttpKinds();

  bool handles(const std::string& kind) const { return kind.rfind("http.", 0) == 0; }
  // Validates an entry's fields.
  core::Status add(const registry::Entry& entry);
  using Reject = std::function<void(const registry::Entry&, const core::Error&)>;
  // Makes the services and builds their routes; reports each problem with the entry it belongs to.
  void link(const host::FsRegistry& fs, const Reject& reject);
  // The route table of each of `services` (id → config) from this object's routers, endpoints
  // and static mounts, with endpoint handlers in the current generation of the function table.
  // A hot reload builds them for the running services (src/app/reload.h).
  using RouteTables = std::map<std::string, std::shared_ptr<http::RouteTable>>;
  RouteTables build_routes(const std::map<std::string, const http::ServiceConfig*>& services,
                           const host::FsRegistry& fs, const Reject& reject) const;
  // The services made by link(), id → config.
  std::map<std::string, const http::ServiceConfig*> service_configs() const;
  // Swaps each service's routes for its table in `tables` (an empty table when it has none);
  // requests in flight finish on the old ones.
  void install_routes(const RouteTables& tables);

  // Starts the services with lifecycle.auto_start (all of them, in order; stops at the first
  // that fails, e.g. a port in use).
  [[nodiscard]] core::Status start_auto();
  // "id url" of each started service, in id order.
  std::vector<std::pair<std::string, std::string>> listening() const;
  // Drains and stops every started service.
  void stop_all();
  // The running service with this id (tests), or nullptr.
  http::Service* service(const std::string& id);

 private:
  std::filesystem::path app_root_;
  sched::Scheduler* scheduler_;
  const sched::FunctionTable* functions_;
  std::vector<std::pair<const registry::Entry*, http::ServiceConfig>> service_entries_;
  std::vector<std::pair<const registry::Entry*, http::RouterConfig>> routers_;
  std::vector<std::pair<const registry::Entry*, http::EndpointConfig>> endpoints_;
  std::vector<std::pair<const registry::Entry*, http::StaticConfig>> statics_;
  std::map<std::string, std::unique_ptr<http::Service>> services_;
};

}  // namespace wirt::app

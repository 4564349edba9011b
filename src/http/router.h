// wirt::http::RouteTable — the routes of one http.service: endpoints (method + path pattern)
// from its routers, and static mounts (a URL prefix). Built at boot, read-only afterwards, so
// match() is safe from any thread.
//
// Patterns (reference-platform §http.endpoint): literal segments, `{name}` for one segment,
// and a trailing `{name...}` for the rest of the path. A more specific route wins whatever the
// order of the entries: at each segment a literal beats `{name}`, which beats `{rest...}`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "http/exchange.h"

namespace wirt::http {

// Serves one request; the route's parameters are in ex.request().params.
using Handler = std::function<void(Exchange& ex)>;

class RouteTable {
 public:
  // Adds an endpoint. Invalid on a malformed pattern or a second route with the same method
  // and pattern (naming `owner`, the entry that has it).
  core::Status add(std::string method, const std::string& path, std::string owner, Handler handler);
  // Adds a static mount for GET/HEAD under `prefix` ("/" = everything).
  core::Status add_mount(std::string prefix, std::string owner, Handler handler);
  // Serves every request no endpoint or mount takes, whatever its method (a whole-server
  // handler such as a wasi:http/incoming-handler component under `wirt serve`).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }

  struct Match {
    const Handler* handler = nullptr;  // null: no route
    Fields params;                     // route parameters
    int status = 0;                    // 404 or 405 when handler is null
    std::string allow;                 // the Allow header for 405
  };
  Match match(std::string_view method, std::string_view path) const;
  bool empty() const { return routes_.empty() && mounts_.empty() && !fallback_; }

 private:
  struct Segment {
    enum Kind { Literal, Param, Rest } kind;
    std::string text;  // the literal, or the parameter name
  };
  struct Route {
    std::string method, pattern, owner;
    std::vector<Segment> segments;
    Handler handler;
  };
  struct Mount {
    std::string prefix, owner;
    Handler handler;
  };
  static bool more_specific(const Route& a, const Route& b);
  static bool match_route(const Route& r, const std::vector<std::string_view>& parts, Fields* params);

  std::vector<Route> routes_;  // most specific first
  std::vector<Mount> mounts_;  // longest prefix first
  Handler fallback_;           // empty: 404/405
};

// Splits a pattern into segments; Invalid with the reason ("path: bad pattern ...").
core::Status check_pattern(const std::string& path);

}  // namespace wirt::http

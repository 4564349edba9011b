// wirt::http::Service — one running http.service: a listener on the scheduler's asio loops,
// one fiber per connection serving its requests in order (HTTP/1.1 keep-alive), routes built
// from the service's routers, endpoints and static mounts (DESIGN §1.5a).
//
// Lifecycle: built at boot (routes added single-threaded), start() binds and begins accepting,
// stop() drains: no new connections, idle keep-alive connections are closed, requests in
// flight may finish until the drain deadline (lifecycle.stop_timeout), then the rest are
// canceled (their socket operations end with Canceled) — nothing accepted is dropped silently.
//
// Thread-safety: start/stop from one non-worker thread; connections run on any worker.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <boost/asio/io_context.hpp>

#include "core/result.h"
#include "http/config.h"
#include "http/router.h"
#include "sched/scheduler.h"

namespace boost::asio::ssl {
class context;
}

namespace wirt::http {

// What a connection needs from its service (read-only after start, except the counters).
struct ServiceState {
  ServiceConfig config;
  // Replaced whole by a hot reload (src/app/reload.h); a request keeps the table it matched in.
  std::atomic<std::shared_ptr<RouteTable>> routes{std::make_shared<RouteTable>()};
  std::shared_ptr<boost::asio::ssl::context> tls;  // null for plain HTTP
  std::atomic<bool> stopping{false};

  // Connections alive, each with a way to cancel it from any thread.
  struct Conn {
    boost::asio::io_context* io = nullptr;
    std::function<void()> cancel;  // run on `io`; cleared by the connection when it ends
    bool busy = false;             // inside a request (written on `io` only)
    bool canceled = false;         // set by cancel (on `io`)
  };
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<uint64_t, std::shared_ptr<Conn>> conns;
  uint64_t next_conn = 0;
};

class Service {
 public:
  Service(ServiceConfig config, sched::Scheduler* scheduler, std::filesystem::path app_root);
  ~Service();

  const ServiceConfig& config() const { return state_->config; }
  // The routes, to fill before start().
  RouteTable& routes() { return *state_->routes.load(); }
  // Swaps in a new table (any thread, while serving): requests already routed finish on the
  // table they matched in.
  void set_routes(std::shared_ptr<RouteTable> routes) { state_->routes.store(std::move(routes)); }

  // Loads the TLS files, binds and starts accepting (port 0 picks a free port: see port()).
  // Errors name the field (addr, tls.cert, tls.key). Call from a non-worker thread.
  [[nodiscard]] core::Status start();
  uint16_t port() const { return port_; }
  // "http://127.0.0.1:8080" once started.
  const std::string& url() const { return url_; }
  // Drains and stops (see above); returns once every connection has ended or been canceled.
  void stop();
  // stop() in two steps, so several services drain at the same time: begin_stop() closes the
  // listener and idle connections, finish_stop() waits for the drain deadline.
  void begin_stop();
  void finish_stop();

 private:
  void accept_loop(std::shared_ptr<void> acceptor);

  std::shared_ptr<ServiceState> state_;
  sched::Scheduler* scheduler_;
  std::filesystem::path app_root_;
  uint16_t port_ = 0;
  std::string url_;
  bool started_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
  boost::asio::io_context* accept_io_ = nullptr;
  std::function<void()> close_acceptor_;  // run on accept_io_
  std::mutex accept_mu_;
  std::condition_variable accept_cv_;
  bool accept_done_ = false;
};

// Serves one accepted connection (plain or TLS) on the current fiber until it closes.
void serve_connection(std::shared_ptr<ServiceState> state, int fd);

}  // namespace wirt::http

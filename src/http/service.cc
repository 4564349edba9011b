#include "http/service.h"

#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <fmt/format.h>

#include "core/log.h"

namespace wirt::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// Binds and listens on the configured address (on the current worker's io_context).
core::Result<std::shared_ptr<tcp::acceptor>> listen_on(const ServiceConfig& c, asio::io_context& io) {
  error_code ec;
  std::string host = c.host;
  if (host.empty()) host = c.network == "tcp6" ? "::" : "0.0.0.0";
  tcp::resolver resolver(io);
  auto flags = tcp::resolver::passive | tcp::resolver::numeric_service;
  auto results = resolver.resolve(host, std::to_string(c.port), flags, ec);
  if (ec) return core::invalid(fmt::format("addr: cannot resolve \"{}\": {}", host, ec.message()));
  std::string last;
  for (const auto& r : results) {
    tcp::endpoint ep = r.endpoint();
    if ((c.network == "tcp4" && !ep.address().is_v4()) || (c.network == "tcp6" && !ep.address().is_v6())) continue;
    auto acc = std::make_shared<tcp::acceptor>(io);
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) acc->non_blocking(true, ec);
    if (!ec) return acc;
    last = fmt::format("cannot listen on {}:{}: {}", ep.address().to_string(), ep.port(), ec.message());
  }
  if (last.empty()) last = fmt::format("no {} address for \"{}\"", c.network, host);
  return core::unavailable("addr: " + last);
}

}  // namespace

Service::Service(ServiceConfig config, sched::Scheduler* scheduler, std::filesystem::path app_root)
    : state_(std::make_shared<ServiceState>()), scheduler_(scheduler), app_root_(std::move(app_root)) {
  state_->config = std::move(config);
}

Service::~Service() { stop(); }

core::Status Service::start() {
  const ServiceConfig& c = state_->config;
  if (!c.tls_cert.empty()) {
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    auto path = [&](const std::string& p) { return std::filesystem::path(p).is_absolute() ? p : (app_root_ / p).string(); };
    error_code ec;
    tls->use_certificate_chain_file(path(c.tls_cert), ec);
    if (ec) return core::invalid(fmt::format("tls.cert: cannot load {}: {}", path(c.tls_cert), ec.message()));
    tls->use_private_key_file(path(c.tls_key), asio::ssl::context::pem, ec);
    if (ec) return core::invalid(fmt::format("tls.key: cannot load {}: {}", path(c.tls_key), ec.message()));
    state_->tls = tls;
  }
  std::promise<core::Status> bound;
  auto bound_future = bound.get_future();
  scheduler_->spawn([this, &bound] {
    accept_io_ = sched::Scheduler::current_io();
    auto acc = listen_on(state_->config, *accept_io_);
    if (!acc) {
      bound.set_value(std::move(acc).error());
      return;
    }
    std::shared_ptr<tcp::acceptor> a = *acc;
    port_ = a->local_endpoint().port();
    close_acceptor_ = [a] {
      error_code ec;
      a->close(ec);
    };
    bound.set_value({});
    accept_loop(a);
  });
  WIRT_TRY(bound_future.get());
  started_ = true;
  std::string host = c.host.empty() ? (c.network == "tcp6" ? "[::]" : "0.0.0.0") : c.host;
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  url_ = fmt::format("{}://{}:{}", state_->tls ? "https" : "http", host, port_);
  return {};
}

void Service::accept_loop(std::shared_ptr<void> acceptor) {
  auto& acc = *std::static_pointer_cast<tcp::acceptor>(acceptor);
  for (;;) {
    error_code ec;
    sched::this_fiber::suspend([&](sched::Waker w) {
      acc.async_wait(tcp::acceptor::wait_read, [&ec, w](const error_code& e) {
        ec = e;
        w.wake();
      });
    });
    if (ec || !acc.is_open()) break;
    // Accept everything pending; each connection's fiber wraps its fd in a socket of the worker
    // it runs on, so its I/O completes on its own thread.
    for (;;) {
      int fd = ::accept4(acc.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) {
          core::log_warn("http.service {}: out of file descriptors; pausing accepts", state_->config.id);
          sched::this_fiber::sleep_for(std::chrono::milliseconds(50));
        }
        break;
      }
      scheduler_->spawn([st = state_, fd] { serve_connection(st, fd); });
    }
  }
  {
    std::lock_guard lock(accept_mu_);
    accept_done_ = true;
  }
  accept_cv_.notify_all();
}

void Service::stop() {
  begin_stop();
  finish_stop();
}

namespace {

// Posts a cancel to every connection (to its own worker); idle_only spares those inside a request.
void cancel_connections(ServiceState& s, bool idle_only) {
  std::lock_guard lock(s.mu);
  for (auto& [id, conn] : s.conns) {
    asio::post(*conn->io, [conn = conn, idle_only] {
      if (conn->cancel && !(idle_only && conn->busy)) conn->cancel();
    });
  }
}

}  // namespace

void Service::begin_stop() {
  if (!started_ || stopping_) return;
  stopping_ = true;
  ServiceState& s = *state_;
  s.stopping = true;
  drain_deadline_ = std::chrono::steady_clock::now() + s.config.drain_timeout;
  asio::post(*accept_io_, [this] { close_acceptor_(); });
  {
    std::unique_lock lock(accept_mu_);
    accept_cv_.wait(lock, [&] { return accept_done_; });
  }
  cancel_connections(s, /*idle_only=*/true);  // nothing in flight there: close them now
}

void Service::finish_stop() {
  if (!started_) return;
  begin_stop();
  started_ = false;
  ServiceState& s = *state_;
  std::unique_lock lock(s.mu);
  if (!s.cv.wait_until(lock, drain_deadline_, [&] { return s.conns.empty(); })) {
    core::log_warn("http.service {}: {} connection(s) still busy after the drain deadline ({}); canceling them",
                   s.config.id, s.conns.size(), core::format_duration(s.config.drain_timeout));
    lock.unlock();
    cancel_connections(s, /*idle_only=*/false);
    lock.lock();
    if (!s.cv.wait_for(lock, std::chrono::seconds(2), [&] { return s.conns.empty(); })) {
      core::log_warn("http.service {}: {} handler(s) did not end after cancellation", s.config.id, s.conns.size());
    }
  }
  core::log_info("http.service {} stopped", s.config.id);
}

}  // namespace wirt::http

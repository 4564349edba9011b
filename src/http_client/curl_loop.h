// wirt::http_client::CurlLoop — one libcurl multi handle per scheduler worker, driven by that
// worker's asio io_context through the multi-socket interface (CURLMOPT_SOCKETFUNCTION /
// CURLMOPT_TIMERFUNCTION → posix::stream_descriptor waits and a steady_timer). A transfer
// therefore never blocks a worker thread: the fiber that started it suspends, and curl's
// callbacks run in the worker's loop between fibers (DESIGN §2.3).
//
// Ownership: the loop of a worker is created on first use and lives until the worker thread
// exits (thread_local). Transfers register an easy handle with it and are told when curl is
// done with it (Client::on_done). Connections are kept in the multi's cache and reused by later
// transfers on the same worker, which is why every transfer checks the connected address
// again before its request is sent (transfer.cc, CURLOPT_PREREQFUNCTION).
//
// Thread-safety: none; use only on the worker thread that owns it (CurlLoop::current()).
#pragma once

#include <curl/curl.h>

#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace wirt::http_client {

class CurlLoop {
 public:
  // What a registered easy handle is told when curl has finished it.
  struct Client {
    virtual ~Client() = default;
    virtual void on_done(CURLcode result) = 0;
  };

  // The loop of the worker running the current fiber (created on first use). Must be called on
  // a scheduler fiber.
  static CurlLoop& current();

  explicit CurlLoop(boost::asio::io_context& io);
  ~CurlLoop();
  CurlLoop(const CurlLoop&) = delete;
  CurlLoop& operator=(const CurlLoop&) = delete;

  boost::asio::io_context& io() { return io_; }
  // Expires when the loop is destroyed (its worker thread ended): a transfer released later,
  // e.g. by a Lua state closed after the scheduler stopped, must not touch it.
  std::weak_ptr<void> alive() const { return alive_; }
  // Starts the transfer of `easy` (whose CURLOPT_PRIVATE must be a Client*).
  CURLMcode add(CURL* easy);
  // Stops it (a finished transfer was removed already; removing twice is harmless).
  void remove(CURL* easy);

 private:
  struct Watch;
  static int on_socket(CURL* easy, curl_socket_t s, int what, void* self, void* watch);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void arm(const std::shared_ptr<Watch>& w);
  void action(curl_socket_t s, int select);
  void drain_done();

  boost::asio::io_context& io_;
  CURLM* multi_;
  boost::asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  std::map<curl_socket_t, std::shared_ptr<Watch>> watches_;
  std::shared_ptr<void> alive_ = std::make_shared<int>(0);
};

}  // namespace wirt::http_client

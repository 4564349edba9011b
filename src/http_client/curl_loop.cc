// CurlLoop: see curl_loop.h. The socket/timer protocol follows libcurl's multi-socket
// documentation (curl_multi_socket_action(3), CURLMOPT_SOCKETFUNCTION(3)): curl says which
// events each socket wants; we wait for them with asio and hand readiness back to curl.
#include "http_client/curl_loop.h"

#include <mutex>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "sched/scheduler.h"

namespace wirt::http_client {

namespace asio = boost::asio;

struct CurlLoop::Watch {
  Watch(asio::io_context& io, curl_socket_t s) : fd(s), sd(io, s) {}
  curl_socket_t fd;
  asio::posix::stream_descriptor sd;  // borrows curl's descriptor: released, never closed
  int want = 0;                       // CURL_POLL_IN / OUT / INOUT
  bool reading = false, writing = false, removed = false;
};

namespace {
thread_local std::unique_ptr<CurlLoop> t_loop;
std::once_flag g_curl_init;
}  // namespace

CurlLoop& CurlLoop::current() {
  if (!t_loop) {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    asio::io_context* io = sched::Scheduler::current_io();
    if (!io) std::abort();  // a programming error: transfers run on scheduler fibers only
    t_loop = std::make_unique<CurlLoop>(*io);
  }
  return *t_loop;
}

CurlLoop::CurlLoop(asio::io_context& io) : io_(io), multi_(curl_multi_init()), timer_(io) {
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlLoop::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlLoop::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // HTTP/2 multiplexing over one connection where the server offers it.
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
}

CurlLoop::~CurlLoop() {
  for (auto& [fd, w] : watches_) {
    w->removed = true;
    boost::system::error_code ec;
    w->sd.cancel(ec);
    w->sd.release();
  }
  watches_.clear();
  curl_multi_cleanup(multi_);
}

CURLMcode CurlLoop::add(CURL* easy) { return curl_multi_add_handle(multi_, easy); }

void CurlLoop::remove(CURL* easy) { curl_multi_remove_handle(multi_, easy); }

int CurlLoop::on_socket(CURL*, curl_socket_t s, int what, void* self_p, void*) {
  auto* self = static_cast<CurlLoop*>(self_p);
  auto it = self->watches_.find(s);
  if (what == CURL_POLL_REMOVE) {
    if (it != self->watches_.end()) {
      it->second->removed = true;
      boost::system::error_code ec;
      it->second->sd.cancel(ec);
      it->second->sd.release();  // deregisters from epoll; curl closes the descriptor itself
      self->watches_.erase(it);
    }
    return 0;
  }
  std::shared_ptr<Watch> w;
  if (it == self->watches_.end()) {
    try {
      w = std::make_shared<Watch>(self->io_, s);
    } catch (const std::exception&) {
      return -1;  // curl fails the transfers on this socket
    }
    self->watches_.emplace(s, w);
  } else {
    w = it->second;
  }
  w->want = what;
  self->arm(w);
  return 0;
}

void CurlLoop::arm(const std::shared_ptr<Watch>& w) {
  if ((w->want & CURL_POLL_IN) && !w->reading) {
    w->reading = true;
    w->sd.async_wait(asio::posix::stream_descriptor::wait_read, [this, w](const boost::system::error_code& ec) {
      w->reading = false;
      if (ec || w->removed) return;
      if (w->want & CURL_POLL_IN) action(w->fd, CURL_CSELECT_IN);
      if (!w->removed) arm(w);
    });
  }
  if ((w->want & CURL_POLL_OUT) && !w->writing) {
    w->writing = true;
    w->sd.async_wait(asio::posix::stream_descriptor::wait_write, [this, w](const boost::system::error_code& ec) {
      w->writing = false;
      if (ec || w->removed) return;
      if (w->want & CURL_POLL_OUT) action(w->fd, CURL_CSELECT_OUT);
      if (!w->removed) arm(w);
    });
  }
}

int CurlLoop::on_timer(CURLM*, long timeout_ms, void* self_p) {
  auto* self = static_cast<CurlLoop*>(self_p);
  uint64_t generation = ++self->timer_generation_;
  if (timeout_ms < 0) {
    self->timer_.cancel();
    return 0;
  }
  self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  self->timer_.async_wait([self, generation](const boost::system::error_code& ec) {
    if (ec || generation != self->timer_generation_) return;
    self->action(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

void CurlLoop::action(curl_socket_t s, int select) {
  int running = 0;
  curl_multi_socket_action(multi_, s, select, &running);
  drain_done();
}

void CurlLoop::drain_done() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    curl_multi_remove_handle(multi_, easy);
    Client* client = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &client);
    if (client) client->on_done(result);
  }
}

}  // namespace wirt::http_client

// One connection of an http.service: reads requests with Beast's parser on the connection's
// fiber, routes each, and gives the handler a ServerExchange (src/http/exchange.h). Responses
// are framed here (RFC 9112 §6): Content-Length when the whole body is known at the end,
// chunked when the handler streams, close-delimited for an HTTP/1.0 client that streams.
#include <sys/socket.h>

#include <unistd.h>

#include <charconv>
#include <ctime>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "core/log.h"
#include "http/fiber_stream.h"
#include "http/field_values.h"
#include "http/service.h"

namespace wirt::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Parser = bhttp::request_parser<bhttp::buffer_body>;

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 §2.1 percent-decoding of the path; nullopt on a bad escape or a NUL byte.
std::optional<std::string> decode_path(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out += c;
  }
  return out;
}

// The Date field (RFC 9110 §6.6.1), formatted once per second per thread.
const std::string& date_value() {
  thread_local std::time_t last = 0;
  thread_local std::string value;
  std::time_t now = std::time(nullptr);
  if (now != last) {
    last = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    value = buf;
  }
  return value;
}

// The reason phrase for a status ("OK"; "<unknown-status>" for codes RFC 9110 does not name).
std::string reason(int status) {
  auto r = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  if (r.empty() || r.front() == '<') return "Unknown";
  return std::string(r.data(), r.size());
}

bool has_token(std::string_view value, std::string_view token) {
  return any_list_element(value, [&](std::string_view t) { return iequals(t, token); });
}

template <class Stream>
class Connection;

// The Exchange of one request on a connection.
template <class Stream>
class ServerExchange final : public Exchange {
 public:
  ServerExchange(Connection<Stream>& c, Parser& parser, RequestHead head)
      : c_(c), parser_(parser), head_(std::move(head)) {
    const std::string* expect = find_field(head_.headers, "expect");
    expect_continue_ = expect && iequals(*expect, "100-continue") && head_.version == 11;
    keep_alive_ = parser_.keep_alive();
    is_head_ = head_.method == "HEAD";
  }

  const RequestHead& request() const override { return head_; }
  RequestHead& head() { return head_; }
  const Fields& request_trailers() const override { return trailers_; }

  core::Result<std::string> read_body(size_t max) override;

  core::Status set_status(int status) override {
    if (head_sent_) return core::invalid("headers already sent");
    // 1xx are interim answers the server sends itself (RFC 9110 §15.2), never the response.
    if (status < 200 || status > 599) return core::invalid(fmt::format("invalid status code {} (200-599)", status));
    status_ = status;
    return {};
  }
  core::Status add_header(std::string name, std::string value) override {
    if (head_sent_) return core::invalid("headers already sent");
    if (!valid_field(name, value)) return core::invalid(fmt::format("invalid header field {:?}", name));
    headers_.emplace_back(std::move(name), std::move(value));
    return {};
  }
  core::Status set_header(std::string name, std::string value) override {
    if (head_sent_) return core::invalid("headers already sent");
    std::erase_if(headers_, [&](const auto& f) { return iequals(f.first, name); });
    return add_header(std::move(name), std::move(value));
  }
  bool head_sent() const override { return head_sent_; }
  int status() const override { return status_; }
  const Fields* response_headers() const override { return &headers_; }
  bool body_started() const override { return head_sent_ || !pending_.empty(); }

  core::Status buffer(std::string_view bytes) override {
    if (finished_) return core::invalid("response already finished");
    if (head_sent_) return write(bytes);
    pending_.append(bytes);
    return {};
  }
  core::Status write(std::string_view bytes) override;
  core::Status finish(const Fields& trailers) override;
  bool finished() const override { return finished_; }

  bool keep_alive() const { return keep_alive_ && !broken_; }
  bool broken() const { return broken_; }

 private:
  static bool valid_field(std::string_view name, std::string_view value) {
    if (name.empty()) return false;
    for (char ch : name)
      if (ch <= ' ' || ch == ':' || ch >= 127) return false;
    for (char ch : value)
      if (ch == '\r' || ch == '\n' || ch == '\0') return false;
    return true;
  }
  bool body_allowed() const { return !is_head_ && status_ != 204 && status_ != 304 && status_ >= 200; }
  std::string make_head(bool complete, size_t length);
  core::Status send(std::initializer_list<std::string_view> parts);
  core::Status answer_over_limit();

  Connection<Stream>& c_;
  Parser& parser_;
  RequestHead head_;
  Fields trailers_;
  int status_ = 200;
  Fields headers_;
  std::string pending_;
  bool head_sent_ = false, finished_ = false, chunked_ = false, keep_alive_ = true, is_head_ = false;
  bool expect_continue_ = false, continue_sent_ = false, body_done_ = false, over_limit_ = false;
  bool broken_ = false;  // the response cannot be completed: close the connection after it
  std::optional<uint64_t> declared_length_;
  uint64_t written_ = 0;
};

template <class Stream>
class Connection {
 public:
  Connection(Stream& stream, ServiceState& svc, ServiceState::Conn& conn, std::string remote, bool tls)
      : stream_(stream), fs_(stream), svc_(svc), conn_(conn), remote_(std::move(remote)), tls_(tls) {}

  void run();
  // Ends the connection. After an answer that left request bytes unread (an error, a body not
  // consumed) a plain close would make the kernel reset the connection and the client could
  // lose the answer: half-close and discard what the client still sends, for a moment.
  void close();

  // Maps a socket error to the Exchange's error kinds.
  core::Error io_error(const error_code& ec, std::string_view what) const {
    if (conn_.canceled || ec == asio::error::operation_aborted) return core::canceled(fmt::format("{}: canceled (server shutting down)", what));
    if (ec == beast::error::timeout) return core::timeout(fmt::format("{}: timed out", what));
    return core::unavailable(fmt::format("{}: client went away ({})", what, ec.message()));
  }
  void expires_after(core::Nanos d) {
    if (d.count() > 0) beast::get_lowest_layer(stream_).expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(d));
    else beast::get_lowest_layer(stream_).expires_never();
  }
  core::Status write_all(const std::vector<asio::const_buffer>& bufs) {
    expires_after(svc_.config.write_timeout);
    error_code ec;
    asio::write(fs_, bufs, ec);
    if (ec) return io_error(ec, "writing the response");
    return {};
  }

  FiberStream<Stream>& fs() { return fs_; }
  beast::flat_buffer& buf() { return buf_; }
  const ServiceConfig& config() const { return svc_.config; }
  bool stopping() const { return svc_.stopping.load(std::memory_order_relaxed); }

 private:
  void answer_error(int status, std::string_view text);
  void dispatch(ServerExchange<Stream>& ex);

  Stream& stream_;
  FiberStream<Stream> fs_;
  beast::flat_buffer buf_;
  ServiceState& svc_;
  ServiceState::Conn& conn_;
  std::string remote_;
  bool tls_;
  bool linger_ = false;  // the last request may have left bytes unread
};

template <class Stream>
core::Result<std::string> ServerExchange<Stream>::read_body(size_t max) {
  if (body_done_ || max == 0) return std::string();
  if (over_limit_) return core::invalid(fmt::format("request body too large (limit {} bytes)", c_.config().max_body_bytes));
  if (parser_.is_done()) {
    body_done_ = true;
    return std::string();
  }
  if (expect_continue_ && !continue_sent_ && head_sent_) {
    // The final answer went out without the body: a 100 now would corrupt the stream, and the
    // client may never send the body (RFC 9110 §10.1.1): the connection ends here.
    broken_ = true;
    return core::unavailable("request body not read before the response (Expect: 100-continue)");
  }
  if (expect_continue_ && !continue_sent_) {
    // RFC 9110 §10.1.1: the client waits for 100 before sending the body it announced.
    continue_sent_ = true;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    WIRT_TRY(c_.write_all({asio::buffer(kContinue.data(), kContinue.size())}));
  }
  std::string out(std::min<size_t>(max, 64 * 1024), '\0');
  auto& body = parser_.get().body();
  size_t n = 0;
  while (n == 0 && !parser_.is_done()) {
    body.data = out.data();
    body.size = out.size();
    c_.expires_after(c_.config().read_timeout);
    error_code ec;
    bhttp::read_some(c_.fs(), c_.buf(), parser_, ec);
    if (ec == bhttp::error::need_buffer) ec = {};
    n = out.size() - body.size;
    body.data = nullptr;
    if (ec) {
      broken_ = true;
      if (ec == bhttp::error::body_limit) {
        over_limit_ = true;
        return core::invalid(fmt::format("request body too large (limit {} bytes)", c_.config().max_body_bytes));
      }
      return c_.io_error(ec, "reading the request body");
    }
  }
  out.resize(n);
  if (n == 0) {
    body_done_ = true;
    // Beast appends a chunked body's trailer fields after the head's (RFC 9112 §7.1.2).
    size_t i = 0;
    for (const auto& f : parser_.get()) {
      if (i++ >= head_.headers.size()) trailers_.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
  }
  return out;
}

template <class Stream>
std::string ServerExchange<Stream>::make_head(bool complete, size_t length) {
  if (c_.stopping()) keep_alive_ = false;  // draining: this is the connection's last response
  // The client still waits to be asked for its body: it will not come, the connection ends.
  if (expect_continue_ && !continue_sent_ && !parser_.is_done()) keep_alive_ = false;
  if (const std::string* conn = find_field(headers_, "connection"); conn && has_token(*conn, "close")) keep_alive_ = false;
  std::string h = fmt::format("HTTP/1.{} {} {}\r\n", head_.version == 10 ? 0 : 1, status_,
                              reason(status_));
  bool has_date = false;
  for (const auto& [k, v] : headers_) {
    // Framing is the server's (RFC 9112 §6): the handler's own framing fields are dropped,
    // except a Content-Length it promises to honour while streaming.
    if (iequals(k, "transfer-encoding") || iequals(k, "connection")) continue;
    if (iequals(k, "content-length")) {
      uint64_t n = 0;
      if (!complete && std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc()) declared_length_ = n;
      continue;  // written once, below
    }
    if (iequals(k, "date")) has_date = true;
    h += k;
    h += ": ";
    h += v;
    h += "\r\n";
  }
  if (!has_date) {
    h += "Date: ";
    h += date_value();
    h += "\r\n";
  }
  if (complete) {
    if (body_allowed() || (is_head_ && length > 0)) h += fmt::format("Content-Length: {}\r\n", length);
  } else if (declared_length_ || !body_allowed()) {
    if (declared_length_) h += fmt::format("Content-Length: {}\r\n", *declared_length_);
  } else if (head_.version == 11) {
    chunked_ = true;
    h += "Transfer-Encoding: chunked\r\n";
  } else {
    keep_alive_ = false;  // an HTTP/1.0 client: the end of the body is the end of the connection
  }
  if (!keep_alive()) h += "Connection: close\r\n";
  else if (head_.version == 10) h += "Connection: keep-alive\r\n";
  h += "\r\n";
  head_sent_ = true;
  return h;
}

template <class Stream>
core::Status ServerExchange<Stream>::send(std::initializer_list<std::string_view> parts) {
  std::vector<asio::const_buffer> bufs;
  for (auto p : parts)
    if (!p.empty()) bufs.push_back(asio::buffer(p.data(), p.size()));
  if (bufs.empty()) return {};
  auto st = c_.write_all(bufs);
  if (!st) broken_ = true;
  return st;
}

// The body went over the service's limit before anything was sent: the answer is 413
// whatever the handler tried to send (RFC 9110 §15.5.14).
template <class Stream>
core::Status ServerExchange<Stream>::answer_over_limit() {
  status_ = 413;
  headers_ = {{"Content-Type", "text/plain; charset=utf-8"}};
  keep_alive_ = false;
  finished_ = true;
  std::string body = fmt::format("request body too large (limit {} bytes)\n", c_.config().max_body_bytes);
  std::string head = make_head(true, body.size());
  return send({head, body});
}

template <class Stream>
core::Status ServerExchange<Stream>::write(std::string_view bytes) {
  if (finished_) return core::invalid("response already finished");
  if (over_limit_ && !head_sent_) {
    WIRT_TRY(answer_over_limit());
    return core::invalid("request body too large: answered 413");
  }
  std::string head;
  std::string_view before;
  if (!head_sent_) {
    head = make_head(false, 0);
    before = pending_;
  }
  if (!body_allowed()) {
    auto st = send({head});
    pending_.clear();
    return st;
  }
  size_t n = before.size() + bytes.size();
  written_ += n;
  if (declared_length_ && written_ > *declared_length_) {
    broken_ = true;
    return core::invalid(fmt::format("body longer than the Content-Length {} the handler set", *declared_length_));
  }
  core::Status st;
  if (chunked_ && n > 0) {
    std::string size = fmt::format("{:x}\r\n", n);
    st = send({head, size, before, bytes, "\r\n"});
  } else {
    st = send({head, before, bytes});
  }
  pending_.clear();
  return st;
}

template <class Stream>
core::Status ServerExchange<Stream>::finish(const Fields& trailers) {
  if (finished_) return {};
  if (over_limit_ && !head_sent_) return answer_over_limit();
  finished_ = true;
  if (!head_sent_) {
    std::string head = make_head(true, pending_.size());
    return send({head, body_allowed() ? std::string_view(pending_) : std::string_view()});
  }
  if (chunked_) {
    std::string tail = "0\r\n";
    for (const auto& [k, v] : trailers)
      if (valid_field(k, v)) tail += fmt::format("{}: {}\r\n", k, v);
    tail += "\r\n";
    return send({tail});
  }
  if (declared_length_ && written_ < *declared_length_ && body_allowed()) broken_ = true;  // short body: close
  if (!declared_length_ && body_allowed()) keep_alive_ = false;  // close-delimited (HTTP/1.0)
  return {};
}

template <class Stream>
void Connection<Stream>::answer_error(int status, std::string_view text) {
  std::string body = fmt::format("{}\n", text);
  std::string msg = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nDate: {}\r\n"
      "Connection: close\r\n\r\n{}",
      status, reason(status), body.size(), date_value(),
      body);
  (void)write_all({asio::buffer(msg)});
}

template <class Stream>
void Connection<Stream>::dispatch(ServerExchange<Stream>& ex) {
  RequestHead& head = ex.head();
  std::shared_ptr<RouteTable> routes = svc_.routes.load();  // held while the handler runs
  auto m = routes->match(head.method, head.path);
  if (!m.handler) {
    (void)ex.set_header("Content-Type", "text/plain; charset=utf-8");
    (void)ex.set_status(m.status);
    if (m.status == 405) {
      (void)ex.set_header("Allow", m.allow);
      (void)ex.buffer("405 method not allowed\n");
    } else {
      (void)ex.buffer("404 page not found\n");
    }
    return;
  }
  head.params = std::move(m.params);
  try {
    (*m.handler)(ex);
  } catch (const std::exception& e) {
    // Handlers report errors as Results; anything thrown is a bug, answered as one.
    core::log_error("http {} {}: handler threw: {}", head.method, head.target, e.what());
    if (!ex.head_sent()) {
      (void)ex.set_status(500);
      (void)ex.set_header("Content-Type", "text/plain; charset=utf-8");
      (void)ex.buffer("internal error\n");
    }
  }
}

template <class Stream>
void Connection<Stream>::run() {
  const ServiceConfig& cfg = svc_.config;
  bool first = true;
  for (;;) {
    conn_.busy = false;
    linger_ = false;
    if (stopping()) return;
    if (buf_.size() == 0) {
      // Waiting for the next request: the idle timeout (the read timeout for the first one).
      expires_after(first ? cfg.read_timeout : cfg.idle_timeout);
      error_code ec;
      size_t n = fs_.read_some(buf_.prepare(8192), ec);
      if (ec) return;  // closed, idle too long, or canceled: nothing to answer
      buf_.commit(n);
    }
    conn_.busy = true;
    linger_ = true;
    first = false;
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<size_t>(cfg.max_header_bytes, UINT32_MAX)));
    parser.body_limit(cfg.max_body_bytes);
    expires_after(cfg.read_timeout);  // a slow client has the read timeout for the whole head
    error_code ec;
    bhttp::read_header(fs_, buf_, parser, ec);
    if (ec) {
      if (ec == bhttp::error::header_limit) answer_error(431, "request header fields too large");
      else if (ec == bhttp::error::body_limit) answer_error(413, fmt::format("request body too large (limit {} bytes)", cfg.max_body_bytes));
      else if (ec == beast::error::timeout) core::log_debug("http {}: {}: request head not received within the read timeout", cfg.id, remote_);
      else if (ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted && ec != asio::error::eof &&
               ec != bhttp::error::partial_message && ec != asio::error::connection_reset)
        answer_error(400, fmt::format("bad request: {}", ec.message()));
      return;
    }
    auto& req = parser.get();
    RequestHead head;
    head.method = std::string(req.method_string());
    head.target = std::string(req.target());
    head.version = req.version() == 10 ? 10 : 11;
    std::string_view target = head.target;
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {  // absolute-form (RFC 9112 §3.2.2)
      size_t slash = target.find('/', target.find("//") + 2);
      target = slash == std::string_view::npos ? "/" : target.substr(slash);
    }
    size_t q = target.find('?');
    auto path = decode_path(target.substr(0, q));
    if (!path || path->empty() || path->front() != '/') {
      answer_error(400, "bad request: malformed request target");
      return;
    }
    head.path = std::move(*path);
    if (q != std::string_view::npos) head.query = std::string(target.substr(q + 1));
    for (const auto& f : req) head.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    head.scheme = tls_ ? "https" : "http";
    if (const std::string* host = find_field(head.headers, "host")) head.authority = *host;
    head.remote_addr = remote_;
    if (!parser.chunked()) head.content_length = parser.content_length() ? *parser.content_length() : 0;
    ServerExchange<Stream> ex(*this, parser, std::move(head));
    dispatch(ex);
    if (!ex.finished()) (void)ex.finish({});
    if (!ex.keep_alive()) return;
    // Whatever body the handler left unread goes before the next request (bounded by the
    // body limit and the read timeout).
    for (;;) {
      auto rest = ex.read_body(64 * 1024);
      if (!rest) return;
      if (rest->empty()) break;
    }
  }
}

template <class Stream>
void Connection<Stream>::close() {
  if (!linger_ || conn_.canceled) return;
  auto& sock = beast::get_lowest_layer(stream_).socket();
  error_code ec;
  sock.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return;
  expires_after(std::chrono::seconds(1));
  char scratch[16 * 1024];
  size_t total = 0;
  while (total < (1u << 20)) {
    size_t n = fs_.read_some(asio::buffer(scratch), ec);
    if (ec || n == 0) break;
    total += n;
  }
}

std::string remote_string(const tcp::socket& s) {
  error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "";
  if (ep.address().is_v6()) return fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace

void serve_connection(std::shared_ptr<ServiceState> state, int fd) {
  asio::io_context& io = *sched::Scheduler::current_io();
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  tcp::socket sock(io);
  error_code ec;
  sock.assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  sock.set_option(tcp::no_delay(true), ec);
  sock.non_blocking(true, ec);
  std::string remote = remote_string(sock);

  auto conn = std::make_shared<ServiceState::Conn>();
  conn->io = &io;
  // Registered while the connection lives; the guard unregisters it however the fiber leaves
  // (stop() must never run a cancel that points at a destroyed stream).
  struct Registration {
    ServiceState& state;
    ServiceState::Conn& conn;
    uint64_t id;
    ~Registration() {
      conn.cancel = nullptr;
      {
        std::lock_guard lock(state.mu);
        state.conns.erase(id);
      }
      state.cv.notify_all();
    }
  };
  uint64_t id;
  {
    std::lock_guard lock(state->mu);
    id = state->next_conn++;
    state->conns.emplace(id, conn);
  }
  Registration registration{*state, *conn, id};
  auto run = [&](auto& stream) {
    // Cancel (from stop(), posted to this worker): shutdown ends every later operation and
    // cancel() ends the pending one; the fd stays ours until the socket is destroyed.
    conn->cancel = [&stream, c = conn.get()] {
      c->canceled = true;
      error_code e;
      auto& s = beast::get_lowest_layer(stream).socket();
      s.shutdown(tcp::socket::shutdown_both, e);
      s.cancel(e);
    };
    Connection<std::decay_t<decltype(stream)>> c(stream, *state, *conn, remote, state->tls != nullptr);
    c.run();
    c.close();
  };
  if (!state->tls) {
    beast::tcp_stream stream(std::move(sock));
    run(stream);
  } else {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(sock)), *state->tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        state->config.read_timeout.count() > 0 ? state->config.read_timeout : std::chrono::seconds(30)));
    error_code hs;
    sched::this_fiber::suspend([&](sched::Waker w) {
      stream.async_handshake(asio::ssl::stream_base::server, [&hs, w](const error_code& e) {
        hs = e;
        w.wake();
      });
    });
    if (!hs) run(stream);
    else core::log_debug("http {}: {}: TLS handshake failed: {}", state->config.id, remote, hs.message());
  }
}

}  // namespace wirt::http

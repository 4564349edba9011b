// wasi:sockets/tcp and tcp-create-socket @0.2.0: the tcp-socket state machine of the WIT
// (wasi-sockets tcp.wit) on an asio tcp::socket of the call's worker, and the input/output
// streams a connection lends to the guest. See sockets.h for the blocking model and permissions.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include "wasi/sockets.h"
#include "wasi/try_let.h"

namespace wirt::wasi::sockets {

using component::HostCall;
using core::Value;
namespace asio = boost::asio;
using Tcp = asio::ip::tcp;

namespace {

// tcp.wit "tcp-socket": the states a socket moves through. A finish-* call moves a *_started
// state on; a failed connect leaves the socket `closed` (every later operation: invalid-state).
enum class TcpState { unbound, bind_started, bound, connect_started, connected, listen_started, listening, closed };

}  // namespace

struct TcpSocket {
  std::shared_ptr<Tcp::socket> sock;  // shared with the connection's streams
  bool v6 = false;
  TcpState state = TcpState::unbound;
  std::optional<Code> outcome;  // of the operation started last, reported by its finish-*
  uint64_t backlog = 128;
};

namespace {

// A connection's receiving half as a wasi:io input-stream.
class TcpInput final : public HostInputStream {
 public:
  TcpInput(std::shared_ptr<Tcp::socket> s, const int64_t* deadline) : sock_(std::move(s)), deadline_(deadline) {}
  core::Result<StreamRead> read(size_t max) override {
    std::string buf(max, '\0');
    while (!ended_) {
      boost::system::error_code ec;
      size_t n = sock_->read_some(asio::buffer(buf), ec);
      if (!ec && n > 0) {
        buf.resize(n);
        return StreamRead{std::move(buf), false};
      }
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        WIRT_TRY(wait_ready(*sock_, Tcp::socket::wait_read, *deadline_, "reading from a TCP connection"));
        continue;
      }
      ended_ = true;  // the peer's end (eof), a reset, or shutdown(receive): the stream is closed
    }
    return StreamRead{"", true};
  }
  bool ready() const override {
    if (ended_) return true;
    char b;
    ssize_t n = ::recv(sock_->native_handle(), &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
  core::Status wait() override {
    if (ready()) return {};
    return wait_ready(*sock_, Tcp::socket::wait_read, *deadline_, "waiting for a TCP connection");
  }

 private:
  std::shared_ptr<Tcp::socket> sock_;
  const int64_t* deadline_;  // the owning CallState's
  bool ended_ = false;
};

// A connection's sending half as a wasi:io output-stream: a write returns when the kernel took
// every byte (the fiber waits while the send buffer is full).
class TcpOutput final : public HostOutputStream {
 public:
  TcpOutput(std::shared_ptr<Tcp::socket> s, const int64_t* deadline) : sock_(std::move(s)), deadline_(deadline) {}
  uint64_t check_write() const override { return kWriteWindow; }
  core::Result<bool> write(std::string_view bytes) override {
    while (!bytes.empty() && !closed_) {
      boost::system::error_code ec;
      size_t n = sock_->write_some(asio::buffer(bytes.data(), bytes.size()), ec);  // MSG_NOSIGNAL: no SIGPIPE
      if (!ec) {
        bytes.remove_prefix(n);
        continue;
      }
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        WIRT_TRY(wait_ready(*sock_, Tcp::socket::wait_write, *deadline_, "writing to a TCP connection"));
        continue;
      }
      closed_ = true;  // reset by the peer, or shutdown(send)
    }
    return !closed_;
  }

 private:
  std::shared_ptr<Tcp::socket> sock_;
  const int64_t* deadline_;
  bool closed_ = false;
};

Value result_or(const boost::system::error_code& ec, Value v = Value(true)) { return ec ? err(code_of(ec)) : ok(std::move(v)); }

// The socket a method is called on (the guest holds a handle, so a missing rep is a host bug
// or a forged handle: trap).
core::Result<TcpSocket*> socket_of(HostCall& c, const Value& rep) {
  State& s = state_of(call_state(c));
  auto it = s.tcp.find(static_cast<uint32_t>(rep.as_int()));
  if (it == s.tcp.end()) return core::invalid("wasi:sockets/tcp: unknown tcp-socket handle");
  return it->second.get();
}

#define WIRT_TCP(var, c, a) WIRT_TRY_LET(var##_ptr, socket_of(c, (a)[0])); TcpSocket& var = *var##_ptr

// Lends the input and output streams of a connected socket: [input-stream, output-stream].
core::Array lend_streams(CallState& st, const std::shared_ptr<Tcp::socket>& sock) {
  uint32_t in = st.next_rep++, out = st.next_rep++;
  st.inputs[in] = std::make_unique<TcpInput>(sock, &st.deadline_ns);
  st.outputs[out] = std::make_unique<TcpOutput>(sock, &st.deadline_ns);
  return core::Array{Value(int64_t{in}), Value(int64_t{out})};
}

core::Result<Value> create(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  State& s = state_of(st);
  if (s.open() >= kMaxSocketsPerCall) return err(Code::new_socket_limit);
  auto t = std::make_shared<TcpSocket>();
  t->v6 = is_ipv6_family(a[0]);
  t->sock = std::make_shared<Tcp::socket>(*sched::Scheduler::current_io());
  boost::system::error_code ec;
  t->sock->open(t->v6 ? Tcp::v6() : Tcp::v4(), ec);
  if (!ec && t->v6) t->sock->set_option(asio::ip::v6_only(true), ec);
  if (!ec) t->sock->non_blocking(true, ec);
  if (ec) return err(code_of(ec));
  uint32_t rep = st.next_rep++;
  s.tcp[rep] = std::move(t);
  return ok(Value(int64_t{rep}));
}

// The WIT's address checks shared by bind and connect: the family must be the socket's.
bool family_matches(const TcpSocket& t, const Endpoint& e) { return e.address().is_v6() == t.v6; }

core::Result<Value> start_bind(HostCall& c, const core::Array& a) {
  WIRT_TCP(t, c, a);
  auto e = endpoint_of(a[2]);
  if (!e || !family_matches(t, *e)) return err(Code::invalid_argument);
  if (t.state != TcpState::unbound) return err(Code::invalid_state);
  boost::system::error_code ec;
  // tcp.wit start-bind: implementations set SO_REUSEADDR so a listener can rebind at once.
  t.sock->set_option(Tcp::socket::reuse_address(true), ec);
  t.sock->bind(Tcp::endpoint(e->address(), e->port()), ec);
  t.outcome = ec ? std::optional<Code>(code_of(ec)) : std::nullopt;
  t.state = TcpState::bind_started;
  return ok();
}

// finish-bind / finish-listen: the outcome of the operation begun in state `started`, moving on
// to `done`, or back to `failed`.
Value finish(TcpSocket& t, TcpState started, TcpState done, TcpState failed) {
  if (t.state != started) return err(Code::not_in_progress);
  auto outcome = t.outcome;
  t.outcome.reset();
  t.state = outcome ? failed : done;
  return outcome ? err(*outcome) : ok();
}

core::Result<Value> finish_bind(HostCall& c, const core::Array& a) {
  WIRT_TCP(t, c, a);
  return finish(t, TcpState::bind_started, TcpState::bound, TcpState::unbound);
}

core::Result<Value> start_connect(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  WIRT_TCP(t, c, a);
  auto e = endpoint_of(a[2]);
  if (!e || !family_matches(t, *e) || e->port() == 0 || e->address().is_unspecified() || e->address().is_multicast())
    return err(Code::invalid_argument);
  switch (t.state) {
    case TcpState::unbound:
    case TcpState::bound: break;
    case TcpState::connect_started: return err(Code::concurrency_conflict);
    default: return err(Code::invalid_state);
  }
  // Checked before the socket touches the network: a denied connect sends nothing.
  if (!allowed(st, "socket.connect", resource_of(*e))) return err(Code::access_denied);
  auto ec = std::make_shared<boost::system::error_code>();
  auto sock = t.sock;
  bool woke = sched::this_fiber::suspend_until(
      [&](sched::Waker w) {
        sock->async_connect(Tcp::endpoint(e->address(), e->port()), [ec, w](const boost::system::error_code& r) {
          *ec = r;
          w.wake();
        });
      },
      sched::deadline_from_ns(st.deadline_ns));
  if (!woke) {
    boost::system::error_code ignored;
    sock->close(ignored);
    t.state = TcpState::closed;
    return core::timeout("wasi:sockets: execution time limit exceeded while connecting to " + resource_of(*e));
  }
  t.outcome = *ec ? std::optional<Code>(code_of(*ec)) : std::nullopt;
  t.state = TcpState::connect_started;
  return ok();
}

core::Result<Value> finish_connect(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  WIRT_TCP(t, c, a);
  if (t.state != TcpState::connect_started) return err(Code::not_in_progress);
  if (t.outcome) {
    Code e = *t.outcome;
    t.outcome.reset();
    t.state = TcpState::closed;  // tcp.wit: a failed connect leaves the socket unusable
    return err(e);
  }
  t.state = TcpState::connected;
  boost::system::error_code ignored;
  t.sock->non_blocking(true, ignored);
  return ok(Value(lend_streams(st, t.sock)));
}

core::Result<Value> start_listen(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  WIRT_TCP(t, c, a);
  if (t.state == TcpState::listen_started) return err(Code::concurrency_conflict);
  if (t.state != TcpState::bound) return err(Code::invalid_state);
  boost::system::error_code ec;
  Tcp::endpoint local = t.sock->local_endpoint(ec);
  if (ec) return err(code_of(ec));
  if (!allowed(st, "socket.listen", resource_of(Endpoint(local.address(), local.port())))) return err(Code::access_denied);
  int r = ::listen(t.sock->native_handle(), static_cast<int>(std::min<uint64_t>(t.backlog, SOMAXCONN)));
  t.outcome = r == 0 ? std::nullopt
                     : std::optional<Code>(code_of(boost::system::error_code(errno, boost::system::system_category())));
  t.state = TcpState::listen_started;
  return ok();
}

core::Result<Value> finish_listen(HostCall& c, const core::Array& a) {
  WIRT_TCP(t, c, a);
  return finish(t, TcpState::listen_started, TcpState::listening, TcpState::bound);
}

// accept: the next connection, waiting (fiber suspended) until one arrives.
core::Result<Value> accept(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  WIRT_TCP(t, c, a);
  if (t.state != TcpState::listening) return err(Code::invalid_state);
  State& s = state_of(st);
  if (s.open() >= kMaxSocketsPerCall) return err(Code::new_socket_limit);
  auto listener = t.sock;  // `t` may not outlive a suspension only if the guest drops it: it cannot (one fiber)
  int fd;
  while ((fd = ::accept4(listener->native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0) {
    int e = errno;
    if (e == EINTR || e == ECONNABORTED) continue;
    if (e != EAGAIN && e != EWOULDBLOCK) return err(code_of(boost::system::error_code(e, boost::system::system_category())));
    WIRT_TRY(wait_ready(*listener, Tcp::socket::wait_read, st.deadline_ns, "accepting a TCP connection"));
  }
  auto conn = std::make_shared<TcpSocket>();
  conn->v6 = t.v6;
  conn->state = TcpState::connected;
  conn->sock = std::make_shared<Tcp::socket>(*sched::Scheduler::current_io());
  boost::system::error_code ec;
  conn->sock->assign(t.v6 ? Tcp::v6() : Tcp::v4(), fd, ec);
  // asio keeps its own idea of "non-blocking": without this its read_some would poll() the
  // worker thread until data came (regression: ServerReadsDoNotBlockTheWorker).
  if (!ec) conn->sock->non_blocking(true, ec);
  if (ec) {
    ::close(fd);
    return err(code_of(ec));
  }
  uint32_t rep = st.next_rep++;
  s.tcp[rep] = conn;
  core::Array streams = lend_streams(st, conn->sock);
  return ok(Value(core::Array{Value(int64_t{rep}), streams[0], streams[1]}));
}

bool is_bound(const TcpSocket& t) {
  return t.state == TcpState::bound || t.state == TcpState::connected || t.state == TcpState::listen_started ||
         t.state == TcpState::listening || (t.state == TcpState::connect_started && !t.outcome);
}

core::Result<Value> local_address(HostCall& c, const core::Array& a) {
  WIRT_TCP(t, c, a);
  if (!is_bound(t)) return err(Code::invalid_state);
  boost::system::error_code ec;
  auto e = t.sock->local_endpoint(ec);
  return ec ? err(code_of(ec)) : ok(endpoint_value(Endpoint(e.address(), e.port())));
}

core::Result<Value> remote_address(HostCall& c, const core::Array& a) {
  WIRT_TCP(t, c, a);
  if (t.state != TcpState::connected) return err(Code::invalid_state);
  boost::system::error_code ec;
  auto e = t.sock->remote_endpoint(ec);
  return ec ? err(code_of(ec)) : ok(endpoint_value(Endpoint(e.address(), e.port())));
}

core::Result<Value> set_backlog(HostCall& c, const core::Array& a) {
  WIRT_TCP(t, c, a);
  int64_t v = a[1].as_int();
  if (v == 0) return err(Code::invalid_argument);
  if (t.state == TcpState::connect_started || t.state == TcpState::connected) return err(Code::invalid_state);
  t.backlog = static_cast<uint64_t>(v);
  // On a listening socket a second listen() updates the kernel's backlog (Linux).
  if (t.state == TcpState::listening) ::listen(t.sock->native_handle(), static_cast<int>(std::min<uint64_t>(t.backlog, SOMAXCONN)));
  return ok();
}

// The option methods (sockets.h SockOpt).
template <int Level, int Name, int64_t Scale = 1, int64_t Min = 0, int64_t Max = INT32_MAX>
struct Option {
  static constexpr SockOpt kOpt{Level, Name, Scale, Min, Max};
  static core::Result<Value> get(HostCall& c, const core::Array& a) {
    WIRT_TCP(t, c, a);
    return get_option(t.sock->native_handle(), t.v6, kOpt);
  }
  static core::Result<Value> set(HostCall& c, const core::Array& a) {
    WIRT_TCP(t, c, a);
    return set_option(t.sock->native_handle(), t.v6, kOpt, a[1]);
  }
};

constexpr int64_t kSecond = 1'000'000'000;
using KeepAlive = Option<SOL_SOCKET, SO_KEEPALIVE, 1, 0, 1>;
using KeepIdle = Option<IPPROTO_TCP, TCP_KEEPIDLE, kSecond, 1, 32767>;
using KeepInterval = Option<IPPROTO_TCP, TCP_KEEPINTVL, kSecond, 1, 32767>;
using KeepCount = Option<IPPROTO_TCP, TCP_KEEPCNT, 1, 1, 127>;
using RecvBuffer = Option<SOL_SOCKET, SO_RCVBUF, 1, 1>;
using SendBuffer = Option<SOL_SOCKET, SO_SNDBUF, 1, 1>;
using HopLimit = Option<kHopLimit, 0, 1, 1, 255>;

// subscribe: a listening socket is ready when a connection waits to be accepted; every other
// state's pending operation already completed in its start-* call (sockets.h), so ready.
core::Result<Value> subscribe(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  WIRT_TCP(t, c, a);
  (void)t;
  CallState* sp = &st;
  auto rep = static_cast<uint32_t>(a[0].as_int());
  auto listening = [sp, rep]() -> std::shared_ptr<TcpSocket> {
    auto it = state_of(*sp).tcp.find(rep);
    return it != state_of(*sp).tcp.end() && it->second->state == TcpState::listening ? it->second : nullptr;
  };
  return lend_pollable(
      st, [listening] { auto l = listening(); return !l || fd_ready(l->sock->native_handle(), false); },
      [listening, sp]() -> core::Status {
        auto l = listening();
        if (!l || fd_ready(l->sock->native_handle(), false)) return {};
        return wait_ready(*l->sock, Tcp::socket::wait_read, sp->deadline_ns, "waiting for a TCP connection");
      });
}

core::Result<Value> shutdown(HostCall& c, const core::Array& a) {
  WIRT_TCP(t, c, a);
  if (t.state != TcpState::connected) return err(Code::invalid_state);
  const std::string& how = a[1].as_string();
  auto what = how == "receive" ? Tcp::socket::shutdown_receive
              : how == "send"  ? Tcp::socket::shutdown_send
                               : Tcp::socket::shutdown_both;
  boost::system::error_code ec;
  t.sock->shutdown(what, ec);
  return result_or(ec);
}

}  // namespace

void define_tcp(component::HostImports& imports) {
  const std::string v = kVersion;
  add(imports, "wasi:sockets/tcp-create-socket" + v, "create-tcp-socket", create);
  const std::string tcp = "wasi:sockets/tcp" + v;
  add(imports, tcp, "[method]tcp-socket.start-bind", start_bind);
  add(imports, tcp, "[method]tcp-socket.finish-bind", finish_bind);
  add(imports, tcp, "[method]tcp-socket.start-connect", start_connect);
  add(imports, tcp, "[method]tcp-socket.finish-connect", finish_connect);
  add(imports, tcp, "[method]tcp-socket.start-listen", start_listen);
  add(imports, tcp, "[method]tcp-socket.finish-listen", finish_listen);
  add(imports, tcp, "[method]tcp-socket.accept", accept);
  add(imports, tcp, "[method]tcp-socket.local-address", local_address);
  add(imports, tcp, "[method]tcp-socket.remote-address", remote_address);
  add(imports, tcp, "[method]tcp-socket.is-listening", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    WIRT_TCP(t, c, a);
    return Value(t.state == TcpState::listening);
  });
  add(imports, tcp, "[method]tcp-socket.address-family", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    WIRT_TCP(t, c, a);
    return Value(family_name(t.v6));
  });
  add(imports, tcp, "[method]tcp-socket.set-listen-backlog-size", set_backlog);
  add(imports, tcp, "[method]tcp-socket.keep-alive-enabled", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    WIRT_TRY_LET(r, KeepAlive::get(c, a));
    if (const Value* v = r.find("ok")) return ok(Value(v->as_int() != 0));
    return r;
  });
  add(imports, tcp, "[method]tcp-socket.set-keep-alive-enabled", KeepAlive::set);
  add(imports, tcp, "[method]tcp-socket.keep-alive-idle-time", KeepIdle::get);
  add(imports, tcp, "[method]tcp-socket.set-keep-alive-idle-time", KeepIdle::set);
  add(imports, tcp, "[method]tcp-socket.keep-alive-interval", KeepInterval::get);
  add(imports, tcp, "[method]tcp-socket.set-keep-alive-interval", KeepInterval::set);
  add(imports, tcp, "[method]tcp-socket.keep-alive-count", KeepCount::get);
  add(imports, tcp, "[method]tcp-socket.set-keep-alive-count", KeepCount::set);
  add(imports, tcp, "[method]tcp-socket.hop-limit", HopLimit::get);
  add(imports, tcp, "[method]tcp-socket.set-hop-limit", HopLimit::set);
  add(imports, tcp, "[method]tcp-socket.receive-buffer-size", RecvBuffer::get);
  add(imports, tcp, "[method]tcp-socket.set-receive-buffer-size", RecvBuffer::set);
  add(imports, tcp, "[method]tcp-socket.send-buffer-size", SendBuffer::get);
  add(imports, tcp, "[method]tcp-socket.set-send-buffer-size", SendBuffer::set);
  add(imports, tcp, "[method]tcp-socket.subscribe", subscribe);
  add(imports, tcp, "[method]tcp-socket.shutdown", shutdown);
  add(imports, tcp, "[resource-drop]tcp-socket", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    if (CallState* st = call_state_if_any(c); st && st->sockets) st->sockets->tcp.erase(static_cast<uint32_t>(a[0].as_int()));
    return Value();
  });
}

}  // namespace wirt::wasi::sockets

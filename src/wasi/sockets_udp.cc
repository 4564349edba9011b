// wasi:sockets/udp and udp-create-socket @0.2.0 (wasi-sockets udp.wit): a udp-socket is bound,
// then `stream(remote)` lends an incoming-datagram-stream and an outgoing-datagram-stream over
// it (connected to `remote` when given). A later `stream` call replaces the pair: the old
// streams' operations then fail with invalid-state. See sockets.h for blocking and permissions.
#include <netinet/in.h>
#include <sys/socket.h>

#include <set>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include "wasi/sockets.h"
#include "wasi/try_let.h"

namespace wirt::wasi::sockets {

using component::HostCall;
using core::Value;
namespace asio = boost::asio;
using Udp = asio::ip::udp;

// Largest datagram received (a UDP payload cannot exceed it).
inline constexpr size_t kMaxDatagram = 65535;

struct UdpSocket {
  std::shared_ptr<Udp::socket> sock;
  bool v6 = false;
  enum class Phase { unbound, bind_started, bound } phase = Phase::unbound;
  std::optional<Code> outcome;            // of start-bind, reported by finish-bind
  std::optional<Endpoint> remote;         // set by stream(remote)
  uint64_t generation = 0;                // of the current stream pair
  std::set<std::string> allowed_remotes;  // socket.connect already granted for these
};

struct DatagramStream {
  std::shared_ptr<UdpSocket> socket;
  uint64_t generation = 0;
  bool outgoing = false;
  uint64_t permitted = 0;  // datagrams the last check-send allowed
};

namespace {

core::Result<UdpSocket*> socket_of(HostCall& c, const Value& rep) {
  State& s = state_of(call_state(c));
  auto it = s.udp.find(static_cast<uint32_t>(rep.as_int()));
  if (it == s.udp.end()) return core::invalid("wasi:sockets/udp: unknown udp-socket handle");
  return it->second.get();
}

#define WIRT_UDP(var, c, a) WIRT_TRY_LET(var##_ptr, socket_of(c, (a)[0])); UdpSocket& var = *var##_ptr

// A datagram stream and whether it is still the socket's current one.
core::Result<DatagramStream*> stream_of(HostCall& c, const Value& rep) {
  State& s = state_of(call_state(c));
  auto it = s.datagram_streams.find(static_cast<uint32_t>(rep.as_int()));
  if (it == s.datagram_streams.end()) return core::invalid("wasi:sockets/udp: unknown datagram stream handle");
  return it->second.get();
}
bool current(const DatagramStream& d) { return d.generation == d.socket->generation; }

Code sys_code(int e) { return code_of(boost::system::error_code(e, boost::system::system_category())); }

core::Result<Value> create(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  State& s = state_of(st);
  if (s.open() >= kMaxSocketsPerCall) return err(Code::new_socket_limit);
  auto u = std::make_shared<UdpSocket>();
  u->v6 = is_ipv6_family(a[0]);
  u->sock = std::make_shared<Udp::socket>(*sched::Scheduler::current_io());
  boost::system::error_code ec;
  u->sock->open(u->v6 ? Udp::v6() : Udp::v4(), ec);
  if (!ec && u->v6) u->sock->set_option(asio::ip::v6_only(true), ec);
  if (!ec) u->sock->non_blocking(true, ec);
  if (ec) return err(code_of(ec));
  uint32_t rep = st.next_rep++;
  s.udp[rep] = std::move(u);
  return ok(Value(int64_t{rep}));
}

core::Result<Value> start_bind(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  WIRT_UDP(u, c, a);
  auto e = endpoint_of(a[2]);
  if (!e || e->address().is_v6() != u.v6) return err(Code::invalid_argument);
  if (u.phase != UdpSocket::Phase::unbound) return err(Code::invalid_state);
  if (!allowed(st, "socket.listen", resource_of(*e))) return err(Code::access_denied);
  boost::system::error_code ec;
  u.sock->bind(*e, ec);
  u.outcome = ec ? std::optional<Code>(code_of(ec)) : std::nullopt;
  u.phase = UdpSocket::Phase::bind_started;
  return ok();
}

core::Result<Value> finish_bind(HostCall& c, const core::Array& a) {
  WIRT_UDP(u, c, a);
  if (u.phase != UdpSocket::Phase::bind_started) return err(Code::not_in_progress);
  auto outcome = u.outcome;
  u.outcome.reset();
  u.phase = outcome ? UdpSocket::Phase::unbound : UdpSocket::Phase::bound;
  return outcome ? err(*outcome) : ok();
}

// The remote addresses the WIT refuses (udp.wit stream / send: invalid-argument).
bool valid_remote(const UdpSocket& u, const Endpoint& e) {
  return e.address().is_v6() == u.v6 && e.port() != 0 && !e.address().is_unspecified();
}

// socket.connect for a remote address, asked once per address and socket.
bool may_reach(CallState& st, UdpSocket& u, const Endpoint& e) {
  std::string res = resource_of(e);
  if (u.allowed_remotes.count(res)) return true;
  if (!allowed(st, "socket.connect", res)) return false;
  u.allowed_remotes.insert(std::move(res));
  return true;
}

core::Result<Value> stream(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  WIRT_UDP(u, c, a);
  if (u.phase != UdpSocket::Phase::bound) return err(Code::invalid_state);
  std::optional<Endpoint> remote;
  if (!a[1].is_nil()) {
    remote = endpoint_of(a[1]);
    if (!remote || !valid_remote(u, *remote)) return err(Code::invalid_argument);
    if (!may_reach(st, u, *remote)) return err(Code::access_denied);
  }
  WIRT_TRY(state_of(st).admit_handle());
  boost::system::error_code ec;
  if (remote) {
    u.sock->connect(*remote, ec);
  } else if (u.remote) {
    sockaddr unspec{};  // connect(AF_UNSPEC) dissolves the association
    unspec.sa_family = AF_UNSPEC;
    if (::connect(u.sock->native_handle(), &unspec, sizeof unspec) != 0) return err(sys_code(errno));
  }
  if (ec) return err(code_of(ec));
  u.remote = remote;
  ++u.generation;
  State& s = state_of(st);
  auto shared = s.udp[static_cast<uint32_t>(a[0].as_int())];
  uint32_t in = st.next_rep++, out = st.next_rep++;
  s.datagram_streams[in] = std::make_shared<DatagramStream>(DatagramStream{shared, u.generation, false, 0});
  s.datagram_streams[out] = std::make_shared<DatagramStream>(DatagramStream{shared, u.generation, true, 0});
  return ok(Value(core::Array{Value(int64_t{in}), Value(int64_t{out})}));
}

// receive(max-results): the datagrams queued now (none is not an error: the guest waits on the
// stream's pollable).
core::Result<Value> receive(HostCall& c, const core::Array& a) {
  WIRT_TRY_LET(d, stream_of(c, a[0]));
  if (!current(*d) || d->outgoing) return err(Code::invalid_state);
  uint64_t max = static_cast<uint64_t>(a[1].as_int());
  core::Array got;
  std::string buf(kMaxDatagram, '\0');
  while (got.size() < std::min<uint64_t>(max, kDatagramsPerSend)) {
    Endpoint from;
    boost::system::error_code ec;
    size_t n = d->socket->sock->receive_from(asio::buffer(buf), from, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      if (got.empty()) return err(code_of(ec));
      break;
    }
    Value dg = Value::map();
    dg.set("data", Value(core::Bytes{buf.substr(0, n)}));
    dg.set("remote-address", endpoint_value(from));
    got.push_back(std::move(dg));
  }
  return ok(Value(std::move(got)));
}

core::Result<Value> check_send(HostCall& c, const core::Array& a) {
  WIRT_TRY_LET(d, stream_of(c, a[0]));
  if (!current(*d) || !d->outgoing) return err(Code::invalid_state);
  d->permitted = kDatagramsPerSend;
  return ok(Value(int64_t{kDatagramsPerSend}));
}

std::string_view bytes_of(const Value& v) {
  return v.is_bytes() ? std::string_view(v.as_bytes().data) : std::string_view(v.as_string());
}

// send(datagrams): sends in order, waiting (fiber suspended) while the send buffer is full;
// returns how many were sent. An error on the first datagram is the call's error.
core::Result<Value> send(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  WIRT_TRY_LET(d, stream_of(c, a[0]));
  if (!current(*d) || !d->outgoing) return err(Code::invalid_state);
  const auto& list = a[1].as_array();
  // udp.wit send: a list longer than the last check-send permitted is a trap.
  if (list.size() > d->permitted)
    return core::invalid("wasi:sockets/udp: send of more datagrams than check-send permitted");
  d->permitted -= list.size();
  UdpSocket& u = *d->socket;
  int64_t sent = 0;
  for (const auto& dg : list) {
    const Value* to_v = dg.find("remote-address");
    std::optional<Endpoint> to;
    if (to_v && !to_v->is_nil()) {
      to = endpoint_of(*to_v);
      if (!to || !valid_remote(u, *to) || (u.remote && *to != *u.remote)) return sent ? ok(Value(sent)) : err(Code::invalid_argument);
      if (!u.remote && !may_reach(st, u, *to)) return sent ? ok(Value(sent)) : err(Code::access_denied);
    } else if (!u.remote) {
      return sent ? ok(Value(sent)) : err(Code::invalid_argument);
    }
    std::string_view data = bytes_of(*dg.find("data"));
    for (;;) {
      boost::system::error_code ec;
      if (u.remote) u.sock->send(asio::buffer(data.data(), data.size()), 0, ec);
      else u.sock->send_to(asio::buffer(data.data(), data.size()), *to, 0, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        WIRT_TRY(wait_ready(*u.sock, Udp::socket::wait_write, st.deadline_ns, "sending a datagram"));
        continue;
      }
      if (ec) return sent ? ok(Value(sent)) : err(code_of(ec));
      break;
    }
    ++sent;
  }
  return ok(Value(sent));
}

core::Result<Value> local_address(HostCall& c, const core::Array& a) {
  WIRT_UDP(u, c, a);
  if (u.phase != UdpSocket::Phase::bound) return err(Code::invalid_state);
  boost::system::error_code ec;
  auto e = u.sock->local_endpoint(ec);
  return ec ? err(code_of(ec)) : ok(endpoint_value(e));
}

core::Result<Value> remote_address(HostCall& c, const core::Array& a) {
  WIRT_UDP(u, c, a);
  if (!u.remote) return err(Code::invalid_state);
  return ok(endpoint_value(*u.remote));
}

// The option methods (sockets.h SockOpt).
template <int Level, int Name, int64_t Min = 1, int64_t Max = INT32_MAX>
struct Option {
  static constexpr SockOpt kOpt{Level, Name, 1, Min, Max};
  static core::Result<Value> get(HostCall& c, const core::Array& a) {
    WIRT_UDP(u, c, a);
    return get_option(u.sock->native_handle(), u.v6, kOpt);
  }
  static core::Result<Value> set(HostCall& c, const core::Array& a) {
    WIRT_UDP(u, c, a);
    return set_option(u.sock->native_handle(), u.v6, kOpt, a[1]);
  }
};
using RecvBuffer = Option<SOL_SOCKET, SO_RCVBUF>;
using SendBuffer = Option<SOL_SOCKET, SO_SNDBUF>;
using HopLimit = Option<kHopLimit, 0, 1, 255>;

// A datagram stream's pollable: incoming is ready when a datagram is queued, outgoing when the
// send buffer has room. Both find their stream by rep (the guest may drop it first).
core::Result<Value> subscribe_stream(HostCall& c, const core::Array& a) {
  CallState& st = call_state(c);
  WIRT_TRY_LET(d, stream_of(c, a[0]));
  bool write = d->outgoing;
  CallState* sp = &st;
  auto rep = static_cast<uint32_t>(a[0].as_int());
  auto find = [sp, rep]() -> std::shared_ptr<UdpSocket> {
    auto& streams = state_of(*sp).datagram_streams;
    auto it = streams.find(rep);
    return it == streams.end() ? nullptr : it->second->socket;
  };
  return lend_pollable(
      st, [find, write] { auto u = find(); return !u || fd_ready(u->sock->native_handle(), write); },
      [find, write, sp]() -> core::Status {
        auto u = find();
        if (!u || fd_ready(u->sock->native_handle(), write)) return {};
        return wait_ready(*u->sock, write ? Udp::socket::wait_write : Udp::socket::wait_read, sp->deadline_ns,
                          "waiting for a datagram");
      });
}

}  // namespace

void define_udp(component::HostImports& imports) {
  const std::string v = kVersion;
  add(imports, "wasi:sockets/udp-create-socket" + v, "create-udp-socket", create);
  const std::string udp = "wasi:sockets/udp" + v;
  add(imports, udp, "[method]udp-socket.start-bind", start_bind);
  add(imports, udp, "[method]udp-socket.finish-bind", finish_bind);
  add(imports, udp, "[method]udp-socket.stream", stream);
  add(imports, udp, "[method]udp-socket.local-address", local_address);
  add(imports, udp, "[method]udp-socket.remote-address", remote_address);
  add(imports, udp, "[method]udp-socket.address-family", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    WIRT_UDP(u, c, a);
    return Value(family_name(u.v6));
  });
  add(imports, udp, "[method]udp-socket.unicast-hop-limit", HopLimit::get);
  add(imports, udp, "[method]udp-socket.set-unicast-hop-limit", HopLimit::set);
  add(imports, udp, "[method]udp-socket.receive-buffer-size", RecvBuffer::get);
  add(imports, udp, "[method]udp-socket.set-receive-buffer-size", RecvBuffer::set);
  add(imports, udp, "[method]udp-socket.send-buffer-size", SendBuffer::get);
  add(imports, udp, "[method]udp-socket.set-send-buffer-size", SendBuffer::set);
  // Bind completes in start-bind: the socket's own pollable is always ready.
  add(imports, udp, "[method]udp-socket.subscribe", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    WIRT_TRY_LET(rep, call_state(c).add_pollable(Pollable{}));
    return Value(int64_t{rep});
  });
  add(imports, udp, "[method]incoming-datagram-stream.receive", receive);
  add(imports, udp, "[method]incoming-datagram-stream.subscribe", subscribe_stream);
  add(imports, udp, "[method]outgoing-datagram-stream.check-send", check_send);
  add(imports, udp, "[method]outgoing-datagram-stream.send", send);
  add(imports, udp, "[method]outgoing-datagram-stream.subscribe", subscribe_stream);
  auto drop_stream = [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    if (CallState* st = call_state_if_any(c); st && st->sockets)
      st->sockets->datagram_streams.erase(static_cast<uint32_t>(a[0].as_int()));
    return Value();
  };
  add(imports, udp, "[resource-drop]incoming-datagram-stream", drop_stream);
  add(imports, udp, "[resource-drop]outgoing-datagram-stream", drop_stream);
  add(imports, udp, "[resource-drop]udp-socket", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    if (CallState* st = call_state_if_any(c); st && st->sockets) st->sockets->udp.erase(static_cast<uint32_t>(a[0].as_int()));
    return Value();
  });
}

}  // namespace wirt::wasi::sockets

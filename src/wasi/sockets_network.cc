// wasi:sockets/network, instance-network and ip-name-lookup @0.2.0, and what the tcp and udp
// parts share (error codes, addresses, permission checks). See sockets.h for the model.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>

#include "wasi/sockets.h"
#include "wasi/try_let.h"

namespace wirt::wasi::sockets {

using component::HostCall;
using core::Value;
namespace asio = boost::asio;

const char* code_name(Code c) {
  static const char* const names[] = {
      "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory", "timeout",
      "concurrency-conflict", "not-in-progress", "would-block", "invalid-state", "new-socket-limit",
      "address-not-bindable", "address-in-use", "remote-unreachable", "connection-refused", "connection-reset",
      "connection-aborted", "datagram-too-large", "name-unresolvable", "temporary-resolver-failure",
      "permanent-resolver-failure"};
  return names[static_cast<int>(c)];
}

Value err(Code c) {
  Value r = Value::map();
  r.set("err", Value(code_name(c)));
  return r;
}

Value ok(Value v) {
  Value r = Value::map();
  r.set("ok", std::move(v));
  return r;
}

// The WIT's documented errno mapping (wasi-sockets tcp.wit / udp.wit "Typical errors").
Code code_of(const boost::system::error_code& ec) {
  namespace e = asio::error;
  if (ec == e::connection_refused) return Code::connection_refused;
  if (ec == e::connection_reset || ec == e::broken_pipe) return Code::connection_reset;
  if (ec == e::connection_aborted) return Code::connection_aborted;
  if (ec == e::address_in_use) return Code::address_in_use;
  if (ec.value() == EADDRNOTAVAIL && ec.category() == boost::system::system_category()) return Code::address_not_bindable;
  if (ec == e::network_unreachable || ec == e::host_unreachable || ec == e::network_down) return Code::remote_unreachable;
  if (ec == e::timed_out) return Code::timeout;
  if (ec == e::access_denied || (ec.value() == EPERM && ec.category() == boost::system::system_category()))
    return Code::access_denied;
  if (ec == e::no_buffer_space || ec == e::no_memory) return Code::out_of_memory;
  if (ec == e::message_size) return Code::datagram_too_large;
  if (ec == e::would_block || ec == e::try_again) return Code::would_block;
  if (ec == e::no_descriptors || (ec.value() == ENFILE && ec.category() == boost::system::system_category()))
    return Code::new_socket_limit;
  if (ec == e::invalid_argument) return Code::invalid_argument;
  if (ec == e::not_connected || ec == e::already_connected) return Code::invalid_state;
  if (ec == e::address_family_not_supported || ec == e::operation_not_supported) return Code::not_supported;
  return Code::unknown;
}

namespace {

std::optional<int64_t> int_field(const Value& rec, const char* name) {
  const Value* f = rec.is_map() ? rec.find(name) : nullptr;
  if (!f || !f->is_int()) return std::nullopt;
  return f->as_int();
}

}  // namespace

std::optional<Endpoint> endpoint_of(const Value& v) {
  if (!v.is_map() || v.as_map().size() != 1) return std::nullopt;
  const auto& [which, rec] = v.as_map()[0];
  auto port = int_field(rec, "port");
  const Value* addr = rec.is_map() ? rec.find("address") : nullptr;
  if (!port || !addr || !addr->is_array()) return std::nullopt;
  const auto& parts = addr->as_array();
  if (which == "ipv4") {
    if (parts.size() != 4) return std::nullopt;
    asio::ip::address_v4::bytes_type b{};
    for (size_t i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(parts[i].as_int());
    return Endpoint(asio::ip::address_v4(b), static_cast<uint16_t>(*port));
  }
  if (which == "ipv6") {
    if (parts.size() != 8) return std::nullopt;
    asio::ip::address_v6::bytes_type b{};
    for (size_t i = 0; i < 8; ++i) {
      auto seg = static_cast<uint16_t>(parts[i].as_int());
      b[2 * i] = static_cast<uint8_t>(seg >> 8);
      b[2 * i + 1] = static_cast<uint8_t>(seg & 0xff);
    }
    asio::ip::address_v6 a(b, static_cast<unsigned long>(int_field(rec, "scope-id").value_or(0)));
    return Endpoint(a, static_cast<uint16_t>(*port));
  }
  return std::nullopt;
}

Value address_value(const asio::ip::address& a) {
  core::Array parts;
  Value r = Value::map();
  if (a.is_v4()) {
    for (uint8_t b : a.to_v4().to_bytes()) parts.emplace_back(int64_t{b});
    r.set("ipv4", Value(std::move(parts)));
  } else {
    auto b = a.to_v6().to_bytes();
    for (size_t i = 0; i < 8; ++i) parts.emplace_back(int64_t{(b[2 * i] << 8) | b[2 * i + 1]});
    r.set("ipv6", Value(std::move(parts)));
  }
  return r;
}

Value endpoint_value(const Endpoint& e) {
  Value rec = Value::map();
  rec.set("port", Value(int64_t{e.port()}));
  Value r = Value::map();
  if (e.address().is_v4()) {
    rec.set("address", address_value(e.address()).as_map()[0].second);
    r.set("ipv4", std::move(rec));
  } else {
    rec.set("flow-info", Value(0));
    rec.set("address", address_value(e.address()).as_map()[0].second);
    rec.set("scope-id", Value(static_cast<int64_t>(e.address().to_v6().scope_id())));
    r.set("ipv6", std::move(rec));
  }
  return r;
}

std::string resource_of(const Endpoint& e) {
  if (e.address().is_v6()) return fmt::format("[{}]:{}", e.address().to_string(), e.port());
  return fmt::format("{}:{}", e.address().to_string(), e.port());
}

bool is_ipv6_family(const Value& v) {
  return (v.is_string() && v.as_string() == "ipv6") || (v.is_int() && v.as_int() == 1);
}
const char* family_name(bool v6) { return v6 ? "ipv6" : "ipv4"; }

bool allowed(const CallState& st, const char* action, const std::string& resource) {
  return !st.policies || !st.ctx || st.policies->allowed(*st.ctx, action, resource);
}

core::Status State::admit_handle() const {
  if (networks + lookups.size() + datagram_streams.size() < kMaxHandlesPerCall) return {};
  return core::invalid(fmt::format("wasi:sockets: more than {} networks, lookups and datagram streams alive in one call",
                                   kMaxHandlesPerCall));
}

State& state_of(CallState& st) {
  if (!st.sockets) st.sockets = std::make_shared<State>();
  return *st.sockets;
}

bool fd_ready(int fd, bool write) {
  pollfd p{fd, static_cast<short>(write ? POLLOUT : POLLIN), 0};
  return ::poll(&p, 1, 0) > 0;
}

namespace {

SockOpt resolved(const SockOpt& o, bool v6) {
  if (o.level != kHopLimit) return o;
  SockOpt r = o;
  r.level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
  r.name = v6 ? IPV6_UNICAST_HOPS : IP_TTL;
  return r;
}

Code errno_code() { return code_of(boost::system::error_code(errno, boost::system::system_category())); }

}  // namespace

Value get_option(int fd, bool v6, const SockOpt& opt) {
  SockOpt o = resolved(opt, v6);
  int v = 0;
  socklen_t len = sizeof v;
  if (::getsockopt(fd, o.level, o.name, &v, &len) != 0) return err(errno_code());
  return ok(Value(int64_t{v} * o.scale));
}

Value set_option(int fd, bool v6, const SockOpt& opt, const Value& value) {
  SockOpt o = resolved(opt, v6);
  int64_t want = value.is_bool() ? int64_t{value.as_bool()} : value.as_int();
  if (want < o.min) return err(Code::invalid_argument);
  // Rounded up to the kernel's unit, so a nonzero duration never becomes 0.
  int v = static_cast<int>(std::min<int64_t>(want / o.scale + (want % o.scale != 0), o.max));
  if (::setsockopt(fd, o.level, o.name, &v, sizeof v) != 0) return err(errno_code());
  return ok();
}

void add(component::HostImports& imports, const std::string& iface, const char* func, Impl fn) {
  imports.add(iface + "#" + func, {nullptr, [fn](HostCall& c, const core::Array& a) { return fn(c, a); }});
}

CallState& call_state(HostCall& call) { return *static_cast<CallState*>(call.user_data); }
CallState* call_state_if_any(HostCall& call) { return static_cast<CallState*>(call.user_data); }

core::Result<Value> lend_pollable(CallState& st, std::function<bool()> ready, std::function<core::Status()> block) {
  Pollable p;
  p.ready = std::move(ready);
  p.block = std::move(block);
  WIRT_TRY_LET(rep, st.add_pollable(std::move(p)));
  return Value(int64_t{rep});
}

// A resolve-address-stream: the outcome of one lookup, handed out an address at a time.
struct ResolveStream {
  std::vector<asio::ip::address> addresses;
  size_t next = 0;
  std::optional<Code> error;  // reported by the first resolve-next-address
};

namespace {

// Resolves `name` on the worker's io_context: asio runs getaddrinfo on its resolver thread and
// posts the completion back, while this fiber is suspended (the worker keeps running others).
core::Result<ResolveStream> resolve(CallState& st, const std::string& name) {
  ResolveStream out;
  boost::system::error_code literal_ec;
  auto literal = asio::ip::make_address(name, literal_ec);
  if (!literal_ec) {  // an IP literal: nothing to look up (WIT: returned as is)
    out.addresses.push_back(literal);
    return out;
  }
  struct Outcome {
    boost::system::error_code ec;
    std::vector<asio::ip::address> addresses;
  };
  auto outcome = std::make_shared<Outcome>();
  auto resolver = std::make_shared<asio::ip::tcp::resolver>(*sched::Scheduler::current_io());
  bool woke = sched::this_fiber::suspend_until(
      [&](sched::Waker w) {
        resolver->async_resolve(name, "", [outcome, resolver, w](const boost::system::error_code& ec,
                                                                 asio::ip::tcp::resolver::results_type results) {
          outcome->ec = ec;
          for (const auto& r : results) {
            auto a = r.endpoint().address();
            if (std::find(outcome->addresses.begin(), outcome->addresses.end(), a) == outcome->addresses.end())
              outcome->addresses.push_back(a);
          }
          w.wake();
        });
      },
      sched::deadline_from_ns(st.deadline_ns));
  if (!woke) {
    resolver->cancel();
    return core::timeout("wasi:sockets: execution time limit exceeded while resolving " + name);
  }
  namespace e = asio::error;
  if (outcome->ec == e::host_not_found || outcome->ec == e::host_not_found_try_again) {
    out.error = outcome->ec == e::host_not_found ? Code::name_unresolvable : Code::temporary_resolver_failure;
  } else if (outcome->ec) {
    out.error = Code::permanent_resolver_failure;
  } else {
    out.addresses = std::move(outcome->addresses);
  }
  return out;
}

// Valid names for lookup: 1–253 bytes of a DNS name (or an IP literal), no NUL or spaces.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  return std::none_of(name.begin(), name.end(), [](unsigned char ch) { return ch <= ' ' || ch == 0x7f; });
}

void define_network(component::HostImports& imports) {
  const std::string v = kVersion;
  // One network per call would do; each instance-network call lends a fresh rep (borrows of it
  // are accepted and otherwise unused: the permission checks decide what a guest may reach).
  add(imports, "wasi:sockets/instance-network" + v, "instance-network", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    State& s = state_of(call_state(c));
    WIRT_TRY(s.admit_handle());
    ++s.networks;
    return Value(int64_t{call_state(c).next_rep++});
  });
  add(imports, "wasi:sockets/network" + v, "[resource-drop]network", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    if (CallState* st = call_state_if_any(c); st && st->sockets && st->sockets->networks > 0) --st->sockets->networks;
    return Value();
  });

  const std::string lookup = "wasi:sockets/ip-name-lookup" + v;
  add(imports, lookup, "resolve-addresses", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    CallState& st = call_state(c);
    const std::string& name = a[1].as_string();
    if (!valid_name(name)) return err(Code::invalid_argument);
    boost::system::error_code literal;
    (void)asio::ip::make_address(name, literal);
    if (literal && !allowed(st, "socket.resolve", name)) return err(Code::access_denied);
    WIRT_TRY(state_of(st).admit_handle());
    WIRT_TRY_LET(found, resolve(st, name));
    uint32_t rep = st.next_rep++;
    state_of(st).lookups[rep] = std::make_shared<ResolveStream>(std::move(found));
    return ok(Value(int64_t{rep}));
  });
  add(imports, lookup, "[method]resolve-address-stream.resolve-next-address",
      [](HostCall& c, const core::Array& a) -> core::Result<Value> {
        State& s = state_of(call_state(c));
        auto it = s.lookups.find(static_cast<uint32_t>(a[0].as_int()));
        if (it == s.lookups.end()) return core::invalid("wasi:sockets: unknown resolve-address-stream");
        ResolveStream& rs = *it->second;
        if (rs.error) {
          Code e = *rs.error;
          rs.error.reset();
          return err(e);
        }
        if (rs.next >= rs.addresses.size()) return ok(Value());
        return ok(address_value(rs.addresses[rs.next++]));
      });
  // The lookup completed inside resolve-addresses: its stream is always ready.
  add(imports, lookup, "[method]resolve-address-stream.subscribe", [](HostCall& c, const core::Array&) -> core::Result<Value> {
    WIRT_TRY_LET(rep, call_state(c).add_pollable(Pollable{}));
    return Value(int64_t{rep});
  });
  add(imports, lookup, "[resource-drop]resolve-address-stream", [](HostCall& c, const core::Array& a) -> core::Result<Value> {
    if (CallState* st = call_state_if_any(c); st && st->sockets) st->sockets->lookups.erase(static_cast<uint32_t>(a[0].as_int()));
    return Value();
  });
}

}  // namespace
}  // namespace wirt::wasi::sockets

namespace wirt::wasi {

void define_sockets(component::HostImports& imports) {
  sockets::define_network(imports);
  sockets::define_tcp(imports);
  sockets::define_udp(imports);
}

}  // namespace wirt::wasi

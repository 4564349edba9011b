// WASI 0.2 wasi:sockets for components (reference-wasm-runtime §7.1 profile `wasi:sockets`, all
// interfaces @0.2.0; WIT: WebAssembly/wasi-sockets v0.2.0): network, instance-network,
// ip-name-lookup, tcp-create-socket, tcp, udp-create-socket, udp — on asio sockets bound to the
// io_context of the worker running the call.
//
// Blocking model (DESIGN §1.5): every wait (connect, accept, a stream read or write, a datagram
// send, a name lookup, a pollable's block) suspends the calling fiber, never the worker thread,
// and ends at the call's deadline (CallState::deadline_ns). The WIT's two-phase operations
// (start-connect/finish-connect, …) complete inside the start-* call: the finish-* call then
// reports the outcome at once. To a single-threaded guest a suspended fiber is indistinguishable
// from a slow network. A wait that reaches the call's deadline fails the whole call with
// ErrorKind::Timeout (the guest cannot act after its deadline anyway), also where the WIT has an
// error-code `timeout`: that code is only returned for the kernel's own ETIMEDOUT.
//
// Permissions (reference-wasm-runtime §9, the reference's socket SecureService): checked before
// the syscall, a denial returns error-code `access-denied` and nothing reaches the network:
//   tcp start-connect, udp stream(remote) and udp send to an address  `socket.connect` "ip:port"
//   tcp start-listen, udp start-bind                                   `socket.listen`  "ip:port"
//   ip-name-lookup resolve-addresses (names, not IP literals)          `socket.resolve` name
// ("[v6]:port" for IPv6 addresses, as Go's net.JoinHostPort.)
//
// Per-call state (DESIGN §1.2): sockets live in the CallState of one call and are closed when
// the call ends; at most kMaxSocketsPerCall TCP and UDP sockets are open at once (`new-socket-limit`).
//
// Thread-safety: none; everything runs on the call's fiber.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/basic_endpoint.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/system/error_code.hpp>

#include "component/component.h"
#include "core/result.h"
#include "core/value.h"
#include "sched/scheduler.h"
#include "wasi/call_state.h"

namespace wirt::wasi {

// Binds the seven interfaces at @0.2.0 (the `wasi:sockets` profile).
void define_sockets(component::HostImports& imports);

namespace sockets {

// TCP and UDP sockets open at once in one call (accepted connections count).
inline constexpr size_t kMaxSocketsPerCall = 64;
// networks, resolve-address-streams and datagram streams alive at once in one call.
inline constexpr size_t kMaxHandlesPerCall = 10000;
// Datagrams one check-send permits; bytes one check-write permits.
inline constexpr uint64_t kDatagramsPerSend = 64;
inline constexpr uint64_t kWriteWindow = 64 * 1024;
// The WIT version every interface is registered at (reference-wasm-runtime §7.1).
inline constexpr const char* kVersion = "@0.2.0";

// wasi:sockets/network error-code, in WIT order.
enum class Code {
  unknown, access_denied, not_supported, invalid_argument, out_of_memory, timeout, concurrency_conflict,
  not_in_progress, would_block, invalid_state, new_socket_limit, address_not_bindable, address_in_use,
  remote_unreachable, connection_refused, connection_reset, connection_aborted, datagram_too_large,
  name_unresolvable, temporary_resolver_failure, permanent_resolver_failure,
};
const char* code_name(Code c);
// {err = "<code>"}: a result<_, error-code> error.
core::Value err(Code c);
// {ok = v}.
core::Value ok(core::Value v = core::Value(true));
// The error-code for a failed socket syscall.
Code code_of(const boost::system::error_code& ec);

// An IP socket address (ip-socket-address), independent of the protocol.
using Endpoint = boost::asio::ip::udp::endpoint;
// Parses a lifted ip-socket-address; nullopt when malformed (the guest's canonical ABI already
// checked types, so this is defensive).
std::optional<Endpoint> endpoint_of(const core::Value& v);
core::Value endpoint_value(const Endpoint& e);
core::Value address_value(const boost::asio::ip::address& a);
// "127.0.0.1:80", "[::1]:80": the resource of socket.connect / socket.listen.
std::string resource_of(const Endpoint& e);
// ip-address-family enum: "ipv4" / "ipv6".
bool is_ipv6_family(const core::Value& v);
const char* family_name(bool v6);

// The platform permission check (allowed when the call carries no policies, e.g. unit tests).
bool allowed(const CallState& st, const char* action, const std::string& resource);

struct TcpSocket;
struct UdpSocket;
struct DatagramStream;
struct ResolveStream;

// Everything of wasi:sockets one call holds; CallState::sockets owns it.
struct State {
  size_t networks = 0;  // network resources alive (they hold nothing but count as handles)
  std::map<uint32_t, std::shared_ptr<TcpSocket>> tcp;
  std::map<uint32_t, std::shared_ptr<UdpSocket>> udp;
  std::map<uint32_t, std::shared_ptr<DatagramStream>> datagram_streams;  // incoming and outgoing
  std::map<uint32_t, std::shared_ptr<ResolveStream>> lookups;
  size_t open() const { return tcp.size() + udp.size(); }
  // Fails (the guest traps) when a guest that never drops what it gets would pass
  // kMaxHandlesPerCall networks, lookups and datagram streams alive at once: host memory
  // stays bounded, as with pollables (call_state.h).
  [[nodiscard]] core::Status admit_handle() const;
};
// The call's sockets state (created on first use).
State& state_of(CallState& st);

// Suspends the fiber until `sock` is ready for `type` or the call's deadline passes (Timeout).
template <class Socket>
core::Status wait_ready(Socket& sock, typename Socket::wait_type type, int64_t deadline_ns, const char* what) {
  bool woke = sched::this_fiber::suspend_until(
      [&](sched::Waker w) { sock.async_wait(type, [w](const boost::system::error_code&) { w.wake(); }); },
      sched::deadline_from_ns(deadline_ns));
  if (woke) return {};
  boost::system::error_code ignored;
  sock.cancel(ignored);  // the handler still runs (operation_aborted) and wakes no one
  return core::timeout(std::string("wasi:sockets: execution time limit exceeded while ") + what);
}

// Readiness without waiting (poll with a zero timeout): true when `fd` is readable (or has an
// error or hang-up to report), or writable for `write`.
bool fd_ready(int fd, bool write);

// An integer socket option as the WIT sees it (tcp.wit / udp.wit option methods): `scale`
// converts the kernel's unit to the WIT's (seconds → nanoseconds for the keep-alive times); a
// value below `min` is invalid-argument, one above `max` is clamped (the WIT lets
// implementations round). `level` kHopLimit stands for IP_TTL / IPV6_UNICAST_HOPS by family.
inline constexpr int kHopLimit = -1;
struct SockOpt {
  int level, name;
  int64_t scale = 1, min = 0, max = INT32_MAX;
};
// {ok = value} or {err = code}.
core::Value get_option(int fd, bool v6, const SockOpt& o);
core::Value set_option(int fd, bool v6, const SockOpt& o, const core::Value& value);

// Helpers for registering the interfaces' functions.
using Impl = core::Result<core::Value> (*)(component::HostCall&, const core::Array&);
void add(component::HostImports& imports, const std::string& iface, const char* func, Impl fn);
CallState& call_state(component::HostCall& call);
// A drop may run after the call (ComponentInstance::reset), with no state: nothing to clean then.
CallState* call_state_if_any(component::HostCall& call);
// Lends a pollable: ready() says whether the operation would proceed without waiting, block()
// suspends until it would (both find their socket by rep: the guest may drop it first).
core::Result<core::Value> lend_pollable(CallState& st, std::function<bool()> ready, std::function<core::Status()> block);

void define_tcp(component::HostImports& imports);
void define_udp(component::HostImports& imports);

}  // namespace sockets
}  // namespace wirt::wasi

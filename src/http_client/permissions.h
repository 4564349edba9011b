// Permission checks of outgoing HTTP (the reference's http_client module): `http_client.request`
// with the URL as resource, and `http_client.private_ip` with the address as resource for any
// request that connects to a loopback, private, link-local or unspecified address (the SSRF
// guard; reference httpclient/module.go isPrivateIP). The address check runs on the address
// curl actually connects to (transfer.h), so names that resolve to private addresses — or
// re-resolve to one later — are caught as well as literal IPs.
//
// Thread-safety: pure functions; the hooks copy the context they check.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "http_client/transfer.h"
#include "sched/call_context.h"
#include "sched/security.h"

namespace wirt::http_client {

// True for loopback, RFC 1918 / RFC 4193 private, link-local (unicast and multicast) and
// unspecified addresses, IPv4-mapped IPv6 included. False for text that is not an address.
bool is_private_address(std::string_view ip);

// PermissionDenied "not allowed: <url>" unless the caller may request `url`.
core::Status check_request(const sched::Policies& policies, const sched::CallContext& ctx, const std::string& url);

// Installs the address and redirect hooks that check `ctx` against `policies` on `request`.
void install_policy_hooks(Request& request, const sched::Policies& policies, const sched::CallContext& ctx);

}  // namespace wirt::http_client

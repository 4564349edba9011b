// Permission checks of outgoing HTTP: see permissions.h.
#include "http_client/permissions.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace wirt::http_client {

namespace {

bool private_v4(const uint8_t* a) {
  return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
         (a[0] == 169 && a[1] == 254) || (a[0] == 224 && a[1] == 0 && a[2] == 0) ||
         (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0);
}

}  // namespace

bool is_private_address(std::string_view ip_text) {
  std::string ip(ip_text);
  if (!ip.empty() && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  uint8_t a[16];
  if (inet_pton(AF_INET, ip.c_str(), a) == 1) return private_v4(a);
  if (inet_pton(AF_INET6, ip.c_str(), a) != 1) return false;
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, kMapped, 12) == 0) return private_v4(a + 12);
  bool zero_prefix = std::all_of(a, a + 15, [](uint8_t b) { return b == 0; });
  if (zero_prefix && (a[15] == 0 || a[15] == 1)) return true;    // :: and ::1
  if ((a[0] & 0xfe) == 0xfc) return true;                         // fc00::/7 unique local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;         // fe80::/10 link-local
  if (a[0] == 0xff && (a[1] & 0x0f) == 0x02) return true;         // ff02::/16 link-local multicast
  return false;
}

core::Status check_request(const sched::Policies& policies, const sched::CallContext& ctx, const std::string& url) {
  if (!policies.allowed(ctx, "http_client.request", url)) {
    return core::permission_denied(fmt::format("not allowed: {}", url)).with_retryable(false);
  }
  return {};
}

void install_policy_hooks(Request& request, const sched::Policies& policies, const sched::CallContext& ctx) {
  const sched::Policies* p = &policies;  // lives as long as the app (filled at boot)
  request.check_address = [p, ctx](std::string_view ip) -> core::Status {
    if (!is_private_address(ip)) return {};
    std::string addr(ip);
    if (p->allowed(ctx, "http_client.private_ip", addr)) return {};
    return core::permission_denied(fmt::format("not allowed: private IP {}", addr)).with_retryable(false);
  };
  request.check_url = [p, ctx](std::string_view url) { return check_request(*p, ctx, std::string(url)); };
}

}  // namespace wirt::http_client

// wirt::http::Exchange — one HTTP request and its response, as a handler sees them.
//
// The server (src/http/server*) makes one Exchange per request and runs the route's handler on a
// fiber with it. Every kind of handler works through this one interface: Lua functions (the
// `http` module), `transport: wasi-http` functions, http.static, and components exporting
// `wasi:http/incoming-handler` (src/wasi/http_*). Reads and writes suspend the handler's fiber,
// never the worker thread.
//
// Ownership: the server owns the Exchange; it outlives the handler call. A handler that keeps
// nothing after it returns needs no reference counting.
// Thread-safety: none. Use it only on the fiber the handler runs on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace wirt::http {

// Header fields in arrival order; names as received (compare case-insensitively).
using Fields = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup of the first field named `name`; nullptr when absent.
inline const std::string* find_field(const Fields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      char a = k[i], b = name[i];
      if (a >= 'A' && a <= 'Z') a = char(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = char(b - 'A' + 'a');
      same = a == b;
    }
    if (same) return &v;
  }
  return nullptr;
}

struct RequestHead {
  std::string method;   // "GET", "POST", … as received (upper case by HTTP convention)
  std::string target;   // the request-target as received: "/api/x?y=1"
  std::string path;     // percent-decoded path without the query: "/api/x"
  std::string query;    // raw query string without '?': "y=1" ("" when none)
  Fields headers;
  std::string scheme;   // "http" or "https"
  std::string authority;  // Host header value ("" when absent)
  std::string remote_addr;  // "ip:port" of the client
  std::optional<uint64_t> content_length;  // nullopt for chunked or absent
  int version = 11;     // 10 or 11
  Fields params;        // route parameters ({name} and {rest...} of the endpoint's path)
};

class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual const RequestHead& request() const = 0;

  // Reads the next piece of the request body, at most `max` bytes (max > 0). Suspends the fiber
  // until data arrives. An empty string means the body has ended. Errors: Invalid when the body
  // exceeds the service's body limit (the server answers 413 if nothing was sent yet), Timeout
  // when the client stalls past the read timeout or the handler's deadline passes, Unavailable
  // when the client went away.
  [[nodiscard]] virtual core::Result<std::string> read_body(size_t max) = 0;
  // Request trailers, valid once read_body returned the end (empty when none).
  virtual const Fields& request_trailers() const = 0;

  // Response head. May be changed until the first write/finish; later calls fail with Invalid.
  [[nodiscard]] virtual core::Status set_status(int status) = 0;
  // Appends a field (repeats allowed, e.g. Set-Cookie). set_header replaces every field of
  // that name.
  [[nodiscard]] virtual core::Status add_header(std::string name, std::string value) = 0;
  [[nodiscard]] virtual core::Status set_header(std::string name, std::string value) = 0;
  virtual bool head_sent() const = 0;
  // The status and fields set so far (what a handler's result is written with when it wrote
  // nothing itself). Defaults for implementations that do not track them.
  virtual int status() const { return 200; }
  virtual const Fields* response_headers() const { return nullptr; }
  // True once the handler gave body bytes (buffered or written) or the head went out: its
  // return value is then not written as the body.
  virtual bool body_started() const { return head_sent(); }

  // Writes body bytes. The first write sends the head: with Content-Length when the handler set
  // one, else with chunked transfer encoding. Each write is flushed to the socket before it
  // returns (suspends the fiber; Timeout at the write timeout, Unavailable when the client went
  // away), so server-sent events reach the client as they are written.
  [[nodiscard]] virtual core::Status write(std::string_view bytes) = 0;
  // Appends body bytes without flushing: they go out with the next write() or finish(). A
  // response that is only buffered then finished is sent with Content-Length instead of
  // chunked (what a Lua handler's res:write does). Default: write at once.
  [[nodiscard]] virtual core::Status buffer(std::string_view bytes) { return write(bytes); }
  // Ends the response (sending the head if no write did, with the trailers when chunked).
  // Called by the server after the handler returns if the handler did not.
  [[nodiscard]] virtual core::Status finish(const Fields& trailers = {}) = 0;
  virtual bool finished() const = 0;
};

}  // namespace wirt::http

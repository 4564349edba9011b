#include "http/wasi_http.h"

#include <fmt/format.h>

#include "http/endpoint.h"
#include "http/exchange.h"

namespace wirt::http {

sched::FunctionHandler wasi_http_transport(sched::FunctionHandler inner, uint64_t max_body) {
  return [inner = std::move(inner), max_body](const sched::CallContext& ctx, const core::Array& args) -> core::Result<core::Value> {
    Exchange* ex = ctx.exchange;
    // Payloads given by the caller are the arguments, as the reference does; no request: payload.
    if (!ex || !args.empty()) return inner(ctx, args);
    std::string body;
    for (;;) {
      auto piece = ex->read_body(64 * 1024);
      if (!piece) return core::Error(piece.error()).wrap("failed to prepare transport input");
      if (piece->empty()) break;
      body += *piece;
      if (body.size() > max_body) return core::invalid(fmt::format("failed to prepare transport input: body over {} bytes", max_body));
    }
    core::Array call_args;
    if (!body.empty()) call_args.emplace_back(std::move(body));
    auto r = inner(ctx, call_args);
    if (!r) return r;
    if (!ex->finished()) {
      if (auto st = write_value(*ex, *r); !st) return core::Error(st.error()).wrap("failed to encode transport result");
    }
    return r;
  };
}

}  // namespace wirt::http

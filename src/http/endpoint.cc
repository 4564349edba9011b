#include "http/endpoint.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/log.h"

namespace wirt::http {

namespace {

bool has_content_type(const Exchange& ex) {
  const Fields* h = ex.response_headers();
  return h && find_field(*h, "content-type");
}

core::Status set_type(Exchange& ex, const char* type) {
  if (has_content_type(ex)) return {};
  return ex.set_header("Content-Type", type);
}

}  // namespace

core::Status write_value(Exchange& ex, const core::Value& v) {
  if (ex.head_sent()) return ex.finish();
  if (v.is_nil()) {
    // No content (RFC 9110 §15.3.5) unless the handler chose a status itself.
    if (ex.status() == 200) WIRT_TRY(ex.set_status(204));
    return ex.finish();
  }
  if (v.is_bytes()) {
    WIRT_TRY(set_type(ex, "application/octet-stream"));
    const auto& b = v.as_bytes();
    WIRT_TRY(ex.buffer(std::string_view(reinterpret_cast<const char*>(b.data.data()), b.data.size())));
  } else if (v.is_string()) {
    WIRT_TRY(set_type(ex, "text/plain; charset=utf-8"));
    WIRT_TRY(ex.buffer(v.as_string()));
  } else {
    if (v.is_float() && !std::isfinite(v.as_float())) return core::invalid("json: unsupported value: NaN or Inf");
    WIRT_TRY(set_type(ex, "application/json"));
    WIRT_TRY(ex.buffer(core::to_json(v)));
  }
  return ex.finish();
}

void write_error(Exchange& ex, const core::Error& e, const std::string& func) {
  const RequestHead& req = ex.request();
  bool timeout = e.kind() == core::ErrorKind::Timeout;
  core::log_error("http {} {}: {} failed: {}", req.method, req.target, func, e.message());
  if (ex.head_sent()) {
    (void)ex.finish();  // already streaming: the response ends here
    return;
  }
  // Whatever the handler set is replaced: the error is the answer.
  (void)ex.set_header("Content-Type", "text/plain; charset=utf-8");
  (void)ex.set_status(timeout ? 504 : 500);
  (void)ex.buffer(e.message() + "\n");
  (void)ex.finish();
}

Handler endpoint_handler(const sched::FunctionTable* functions, std::string func, EndpointIdentity identity) {
  // The route belongs to one function generation (a hot reload builds new routes with its new
  // set): the request runs — and its nested calls resolve — in that generation.
  std::shared_ptr<const sched::FunctionSet> set = functions->snapshot();
  return [set, func = std::move(func), identity = std::move(identity)](Exchange& ex) {
    // The request's context: the service's identity, and the request itself, visible only to
    // this function (CallContext::exchange is not inherited by its callees).
    sched::CallContext ctx;
    ctx.actor = identity.actor;
    ctx.scope = identity.scope;
    ctx.frame_id = func;
    ctx.depth = 1;
    ctx.exchange = &ex;
    ctx.generation = set;
    const sched::FunctionHandler* fn = set->find(func);
    if (!fn) {
      write_error(ex, core::not_found(fmt::format("no handler registered for target: {}", func)), func);
      return;
    }
    auto r = (*fn)(ctx, {});
    if (!r) {
      write_error(ex, r.error(), func);
      return;
    }
    if (ex.finished()) return;
    // A function that gave a body itself (res:write …) has answered; its result is not the body.
    if (ex.body_started()) {
      (void)ex.finish();
      return;
    }
    if (auto st = write_value(ex, *r); !st) write_error(ex, st.error(), func);
  };
}

}  // namespace wirt::http

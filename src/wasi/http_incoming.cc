#include "wasi/http_incoming.h"

#include <fmt/format.h>

#include "core/log.h"
#include "wasi/call_state.h"
#include "wasi/guest_env.h"
#include "wasi/http_types.h"

namespace wirt::wasi {

namespace {

constexpr std::string_view kHandler = "wasi:http/incoming-handler@0.2.";

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Answers with `status` and a one-line text body, if the head can still be chosen.
core::Status answer(http::Exchange& ex, int status, std::string_view text) {
  if (ex.head_sent()) return core::unavailable("the response head was already sent");
  WIRT_TRY(ex.set_status(status));
  WIRT_TRY(ex.set_header("content-type", "text/plain; charset=utf-8"));
  WIRT_TRY(ex.set_header("content-length", std::to_string(text.size() + 1)));
  WIRT_TRY(ex.write(std::string(text) + "\n"));
  return ex.finish();
}

int status_for(const core::Error& e, const HttpState& hs) {
  if (e.kind() == core::ErrorKind::Timeout) return 504;
  // The request body was over the limit (Exchange::read_body's Invalid).
  if (hs.body_error == core::ErrorKind::Invalid) return 413;
  return 500;
}

}  // namespace

int find_incoming_handler(const component::Component& c) {
  const auto& exports = c.plan().exports;
  for (size_t i = 0; i < exports.size(); ++i) {
    const std::string& n = exports[i].name;
    size_t hash = n.find('#');
    if (hash != std::string::npos && starts_with(n, kHandler) && n.substr(hash + 1) == "handle") return int(i);
  }
  return -1;
}

bool imports_wasi_http(const component::Component& c) {
  for (const auto& imp : c.imports()) {
    if (starts_with(imp.interface, "wasi:http/")) return true;
  }
  return false;
}

core::Status serve_incoming(component::ComponentInstance& inst, int export_index, CallState& st, http::Exchange& ex,
                            const std::string& entry) {
  HttpState hs(ex);
  st.http = &hs;
  struct Detach {
    CallState& st;
    ~Detach() { st.http = nullptr; }
  } detach{st};
  hs.request_rep = st.next_rep++;
  hs.outparam_rep = st.next_rep++;
  auto r = inst.call_lending(export_index, {core::Value(int64_t{hs.request_rep}), core::Value(int64_t{hs.outparam_rep})});
  st.env.flush_output(true);
  if (!r) {
    // exit(0) inside handle is a normal return (as for any call); anything else failed.
    auto code = exit_code_of(r.error());
    if (!code || *code != 0) {
      const core::Error& e = r.error();
      if (e.kind() == core::ErrorKind::Unavailable && hs.body_error == core::ErrorKind::Unavailable)
        return core::Error(e).wrap(entry);  // the client went away: nobody to answer
      int status = status_for(e, hs);
      core::log_error("{}: wasi:http handler failed ({}): {}", entry, status, e.message());
      if (!ex.head_sent()) return answer(ex, status, status == 504 ? "gateway timeout" : status == 413 ? "payload too large" : "internal server error");
      return core::Error(e).wrap(fmt::format("{}: wasi:http handler failed after the response head was sent", entry));
    }
  }
  if (!hs.outparam_set) {
    core::log_error("{}: wasi:http handler returned without calling response-outparam.set", entry);
    return answer(ex, 500, "internal server error: the component did not set a response");
  }
  if (!hs.response) {
    core::log_error("{}: wasi:http handler answered with error-code {}", entry, hs.error_code);
    return answer(ex, 500, "internal server error: " + hs.error_code);
  }
  if (ex.finished()) return {};
  const ResponseBody& body = *hs.response->body;
  if (body.taken && !body.finished) {
    // types.wit outgoing-body: dropped (or kept) without finish, the response is incomplete.
    if (!ex.head_sent()) {
      core::log_error("{}: wasi:http outgoing-body not finished", entry);
      return answer(ex, 500, "internal server error: the component did not finish the response body");
    }
    return core::internal(fmt::format("{}: wasi:http outgoing-body not finished: the response is incomplete", entry));
  }
  // The body was never taken: an empty body.
  return hs.finish_body(*hs.response->body);
}

}  // namespace wirt::wasi

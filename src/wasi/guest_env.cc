#include "wasi/guest_env.h"

#include <fmt/format.h>

#include "core/log.h"
#include "core/value.h"

namespace wirt::wasi {

namespace {
void flush_stream(std::string& buf, const std::string& id, const char* stream, bool final) {
  size_t start = 0;
  for (size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
    core::log_info("[{}] {}: {}", id, stream, std::string_view(buf).substr(start, nl - start));
  }
  buf.erase(0, start);
  if (final && !buf.empty()) {
    core::log_info("[{}] {}: {}", id, stream, buf);
    buf.clear();
  }
}
}  // namespace

void GuestEnv::flush_output(bool final) {
  if (capture) return;
  flush_stream(out, entry_id, "stdout", final);
  flush_stream(err, entry_id, "stderr", final);
}

core::Error exit_error(int code) {
  core::Error e(code == 0 ? core::ErrorKind::Unknown : core::ErrorKind::Internal, fmt::format("exit code {}", code));
  core::Value details = core::Value::map();
  details.set("exit_code", core::Value(int64_t{code}));
  e.with_details(std::move(details));
  return e;
}

std::optional<int> exit_code_of(const core::Error& e) {
  const core::Value* d = e.details();
  if (!d) return std::nullopt;
  const core::Value* c = d->find("exit_code");
  if (!c || !c->is_int() || e.message().rfind("exit code ", 0) != 0) return std::nullopt;
  return static_cast<int>(c->as_int());
}

}  // namespace wirt::wasi

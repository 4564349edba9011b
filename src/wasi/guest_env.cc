#include "wasi/guest_env.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "core/log.h"
#include "core/value.h"
#include "sched/scheduler.h"

namespace wirt::wasi {

namespace {
void flush_stream(std::string& buf, const std::string& id, const char* stream, bool final) {
  size_t start = 0;
  for (;;) {
    size_t nl = buf.find('\n', start);
    if (nl == std::string::npos) {
      if (buf.size() - start < GuestEnv::kMaxLogLine) break;
      nl = start + GuestEnv::kMaxLogLine;  // an over-long partial line: log a piece now
      core::log_info("[{}] {}: {}", id, stream, std::string_view(buf).substr(start, nl - start));
      start = nl;
      continue;
    }
    core::log_info("[{}] {}: {}", id, stream, std::string_view(buf).substr(start, nl - start));
    start = nl + 1;
  }
  buf.erase(0, start);
  if (final && !buf.empty()) {
    core::log_info("[{}] {}: {}", id, stream, buf);
    buf.clear();
  }
}
}  // namespace

namespace {
void write_all(int fd, std::string& buf) {
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::write(fd, buf.data() + done, buf.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  buf.clear();
}
}  // namespace

core::Status GuestEnv::check_output(uint64_t more) const {
  if (more <= output_limit - output_written) return {};
  return core::internal(fmt::format("wasm trap: output limit exceeded (more than {} bytes written in one call; "
                                    "limits.max_output_mb)", output_limit));
}

core::Status GuestEnv::write(int fd, std::string_view data) {
  WIRT_TRY(check_output(data.size()));
  output_written += data.size();
  std::string& buf = fd == 1 ? out : err;
  buf.append(data);
  // Only a new line end (or an over-long partial line) needs a flush: scanning just the new
  // data keeps many small writes linear.
  if (terminal || buf.size() >= kMaxLogLine || (!data.empty() && std::memchr(data.data(), '\n', data.size()))) flush_output(false);
  return {};
}

void GuestEnv::flush_output(bool final) {
  if (capture || (out.empty() && err.empty())) return;
  if (terminal) {
    write_all(1, out);
    write_all(2, err);
    return;
  }
  flush_stream(out, entry_id, "stdout", final);
  flush_stream(err, entry_id, "stderr", final);
}

core::Result<std::string> GuestEnv::read_stdin(size_t max, int64_t deadline_ns) {
  if (!terminal || max == 0) return std::string();
  max = std::min<size_t>(max, 64 * 1024);
  auto buf = std::make_shared<std::string>(max, '\0');
  auto got = std::make_shared<ssize_t>(-1);
  if (!sched::this_fiber::active()) {
    *got = ::read(0, buf->data(), max);
  } else {
    // The helper owns what it touches: after a timeout it finishes on its own when input
    // (or end of file) arrives.
    bool woken = sched::this_fiber::suspend_until(
        [&](sched::Waker w) {
          std::thread([buf, got, max, w] {
            ssize_t n = ::read(0, buf->data(), max);
            *got = n;
            w.wake();
          }).detach();
        },
        sched::deadline_from_ns(deadline_ns));
    if (!woken) return core::timeout("execution time limit exceeded (while waiting for stdin)");
  }
  if (*got <= 0) return std::string();
  buf->resize(static_cast<size_t>(*got));
  return *buf;
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
  if (!c || !c->is_int()) return std::nullopt;
  return static_cast<int>(c->as_int());
}

}  // namespace wirt::wasi

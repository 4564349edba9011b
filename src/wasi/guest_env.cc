#include "wasi/guest_env.h"

#include <unistd.h>

#include <algorithm>
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

std::string GuestEnv::read_stdin(size_t max) {
  if (!terminal || max == 0) return "";
  max = std::min<size_t>(max, 64 * 1024);
  auto buf = std::make_shared<std::string>(max, '\0');
  auto got = std::make_shared<ssize_t>(-1);
  if (!sched::this_fiber::active()) {
    *got = ::read(0, buf->data(), max);
  } else {
    sched::this_fiber::suspend([&](sched::Waker w) {
      std::thread([buf, got, max, w] {
        *got = ::read(0, buf->data(), max);
        w.wake();
      }).detach();
    });
  }
  if (*got <= 0) return "";
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

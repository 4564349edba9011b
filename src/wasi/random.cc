#include "wasi/random.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace wirt::wasi {

namespace {

constexpr size_t kChunk = size_t(1) << 20;

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The largest linear memory among the component's core instances: the most one lowered
// result can occupy.
uint64_t largest_memory(component::ComponentInstance& inst) {
  uint64_t largest = 0;
  for (size_t i = 0; wasm::Instance* core = inst.core_instance(i); ++i)
    largest = std::max<uint64_t>(largest, core->memory_size());
  return largest;
}

}  // namespace

core::Status fill_random(uint8_t* dst, size_t n, int64_t deadline_ns) {
  size_t done = 0;
  while (done < n) {
    if (deadline_ns != 0 && steady_now_ns() > deadline_ns)
      return core::timeout("execution time limit exceeded (while generating random bytes)");
    size_t want = std::min(kChunk, n - done);
    ssize_t got = getrandom(dst + done, want, 0);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return core::internal(fmt::format("getrandom: {}", std::strerror(errno)));
    }
    done += static_cast<size_t>(got);
  }
  return {};
}

core::Result<std::string> random_result(component::ComponentInstance& inst, uint64_t n, int64_t deadline_ns,
                                        std::string_view func) {
  uint64_t budget = largest_memory(inst);
  if (n > budget)
    return core::internal(fmt::format("wasm trap: {}({}) asks for more bytes than the guest's memory holds ({} bytes)",
                                      func, n, budget));
  std::string out(static_cast<size_t>(n), '\0');
  WIRT_TRY(fill_random(reinterpret_cast<uint8_t*>(out.data()), out.size(), deadline_ns));
  return out;
}

}  // namespace wirt::wasi

// libFuzzer target: the JSON reader and writer (src/core/json.cc) on arbitrary text.
// from_json must return a Value or a clean error; a Value must print, and what it prints must
// read back to a Value that prints identically (JSON is the wire format of `wirt call`,
// call-json and HTTP bodies, so a value that does not survive a round trip corrupts data).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = wirt::core::from_json(text);
  if (!v) {
    (void)v.error().message().size();
    return 0;
  }
  std::string once = wirt::core::to_json(*v);
  auto again = wirt::core::from_json(once);
  if (!again) __builtin_trap();  // we printed something we cannot read
  if (wirt::core::to_json(*again) != once) __builtin_trap();
  (void)wirt::core::to_json(*v, /*pretty=*/true);
  return 0;
}

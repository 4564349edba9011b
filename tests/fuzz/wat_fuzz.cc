// libFuzzer target: the WASM front end (src/wasm/frontend.cc, libwabt) — WAT text to binary,
// then validation, the feature check and wasm2c's C writer, as `function.wat` entries and
// `compile_wat` use them. Inputs starting with the binary magic go straight to translate(), so
// the same target also covers core binaries. Errors must be clean; nothing may crash.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "wasm/frontend.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wirt::wasm;
  std::span<const uint8_t> bytes(data, size);
  if (size >= 4 && data[0] == 0 && data[1] == 'a' && data[2] == 's' && data[3] == 'm') {
    auto t = translate(bytes, "fuzz");
    if (t) (void)t->c_source.size();
    return 0;
  }
  auto bin = wat_to_binary(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!bin) return 0;
  auto t = translate(*bin, "fuzz");
  if (t && t->binary != *bin) __builtin_trap();  // translate keeps the binary it was given
  return 0;
}

// libFuzzer target: the component binary decoder (src/component/binary_*.cc) on arbitrary bytes.
// It must return a value or a clean error, never crash, hang, leak or read out of bounds.
// Built and run by `make fuzz` (clang -fsanitize=fuzzer,address,undefined), seeded with the
// fixture components under WIRT_SHARED_DIR.
#include <cstddef>
#include <cstdint>
#include <span>

#include "component/binary_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto d = wirt::component::bin::decode_component(bytes);
  if (d) {
    // Touch the result: module views must lie inside the input.
    for (const auto& m : d->modules) {
      if (m.data() < data || m.data() + m.size() > data + size) __builtin_trap();
    }
    for (const auto& e : d->root->exports) (void)e.name.size();
  } else {
    (void)d.error().message().size();
  }
  return 0;
}

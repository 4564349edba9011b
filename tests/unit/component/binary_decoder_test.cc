// Decoder tests: every fixture component decodes; structure matches its component-types.wat.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "component/binary_decoder.h"

namespace wirt::component::bin {
namespace {

std::filesystem::path fixtures() { return std::filesystem::path(WIRT_SHARED_DIR) / "fixtures" / "wippy"; }

std::vector<uint8_t> read_fixture(const std::string& name) {
  std::ifstream f(fixtures() / name, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

#define REQUIRE_FIXTURES()                                                                     \
  if (!std::filesystem::exists(fixtures() / "minimal.wasm")) {                                 \
    std::printf("NOTICE: %s absent, fixture test skipped\n", fixtures().string().c_str());    \
    GTEST_SKIP() << "fixtures absent";                                                         \
  }

TEST(BinaryDecoder, DecodesAllFixtures) {
  REQUIRE_FIXTURES();
  for (const char* name : {"minimal.wasm", "complex.wasm", "mapper.wasm", "sleep-test.wasm", "calculator.wasm",
                           "counter.wasm", "strings.wasm"}) {
    auto bytes = read_fixture(name);
    ASSERT_TRUE(is_component(bytes)) << name;
    auto d = decode_component(bytes);
    ASSERT_TRUE(d) << name << ": " << d.error().message();
    EXPECT_FALSE(d->modules.empty()) << name;
    EXPECT_FALSE(d->root->exports.empty()) << name;
  }
}

}  // namespace
}  // namespace wirt::component::bin

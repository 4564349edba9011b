// Malformed fixture binaries: every fixture truncated at many offsets and with bytes flipped must
// give a clean error (or decode, when the cut/flip happens to leave a valid component), never
// crash. A sample also goes through Component::load + instantiate + call.
#include <gtest/gtest.h>

#include <random>

#include "component/binary_decoder.h"
#include "fixtures_helpers.h"

namespace wirt::component::testing {
namespace {

const char* kFixtures[] = {"minimal.wasm", "complex.wasm", "mapper.wasm", "sleep-test.wasm",
                           "calculator.wasm", "counter.wasm", "strings.wasm"};

void expect_clean(const core::Result<bin::DecodedComponent>& d, const std::string& what) {
  if (d) return;
  EXPECT_EQ(d.error().kind(), core::ErrorKind::Invalid) << what;
  EXPECT_EQ(d.error().message().rfind("component binary: offset 0x", 0), 0u) << what << ": " << d.error().message();
}

TEST(FixtureRobustness, TruncatedAtManyOffsets) {
  WIRT_REQUIRE_FIXTURES();
  size_t failures = 0, total = 0;
  for (const char* name : kFixtures) {
    auto bytes = read_fixture(name);
    ASSERT_FALSE(bytes.empty());
    std::vector<size_t> cuts;
    for (size_t i = 0; i < std::min<size_t>(bytes.size(), 600); i++) cuts.push_back(i);
    for (size_t i = 600; i < bytes.size(); i += 97) cuts.push_back(i);
    for (size_t cut : cuts) {
      std::vector<uint8_t> t(bytes.begin(), bytes.begin() + long(cut));
      auto d = bin::decode_component(t);
      expect_clean(d, std::string(name) + " cut at " + std::to_string(cut));
      failures += !d;
      total++;
    }
  }
  // Almost every cut lands inside a section (only cuts at section boundaries decode).
  EXPECT_GT(failures, total * 9 / 10);
}

TEST(FixtureRobustness, FlippedBytes) {
  WIRT_REQUIRE_FIXTURES();
  std::mt19937 rng(12345);
  size_t failures = 0;
  for (const char* name : kFixtures) {
    auto bytes = read_fixture(name);
    for (int i = 0; i < 1500; i++) {
      auto t = bytes;
      // Flip in the component-level part more often (the start, and the tail after the modules).
      size_t pos = (i % 3 == 0) ? rng() % std::min<size_t>(t.size(), 200)
                   : (i % 3 == 1) ? t.size() - 1 - rng() % std::min<size_t>(t.size(), 3000)
                                  : rng() % t.size();
      t[pos] ^= uint8_t(1u << (rng() % 8));
      if (i % 5 == 0) t[rng() % t.size()] = uint8_t(rng());
      auto d = bin::decode_component(t);
      expect_clean(d, std::string(name) + " flipped at " + std::to_string(pos));
      failures += !d;
    }
  }
  EXPECT_GT(failures, 0u);
}

TEST(FixtureRobustness, CorruptedLoadInstantiateCall) {
  WIRT_REQUIRE_FIXTURES();
  std::mt19937 rng(777);
  auto bytes = read_fixture("minimal.wasm");
  int loaded = 0;
  for (int i = 0; i < 40; i++) {
    auto t = bytes;
    // Corrupt the component-level tail (types, aliases, canon, exports), where the linker works.
    size_t pos = t.size() - 1 - rng() % 600;
    t[pos] = uint8_t(rng());
    auto c = Component::load(t, test_compile_options("corrupt"));
    if (!c) {
      EXPECT_FALSE(c.error().message().empty());
      continue;
    }
    loaded++;
    wasm::Limits lim;
    lim.max_execution_ms = 2000;
    auto inst = ComponentInstance::create(*c, {}, lim);
    if (!inst) continue;
    for (const auto& e : (*c)->exports()) {
      core::Array args(e.sig->params.size(), core::Value(int64_t{3}));
      auto r = (*inst)->call(e.name, args);
      (void)r;  // any result or error, no crash
    }
  }
  std::printf("corrupted minimal.wasm: %d of 40 still loaded\n", loaded);
}

}  // namespace
}  // namespace wirt::component::testing

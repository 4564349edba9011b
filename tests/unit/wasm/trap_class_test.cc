// tests/wasm/trap_class.h: every engine's spelling of a trap lands in the spec's class. A
// spelling missing here made the differential fuzzer report a false difference (wabt's
// "undefined table index" for a call_indirect past the table end).
#include <gtest/gtest.h>

#include "../../wasm/trap_class.h"

namespace wirt::testing {
namespace {

TEST(TrapClass, SpecWirtAndWabtSpellingsAgree) {
  struct Case {
    const char* spec;
    const char* wirt;
    const char* wabt;
  } cases[] = {
      {"integer divide by zero", "wasm trap: integer divide by zero", "integer divide by zero"},
      {"integer overflow", "wasm trap: integer overflow", "integer overflow"},
      {"invalid conversion to integer", "wasm trap: invalid conversion to integer", "invalid conversion to integer"},
      {"out of bounds memory access", "wasm trap: out of bounds memory access",
       "out of bounds memory access: access at 65536+4 >= max value 65536"},
      {"undefined element", "wasm trap: out of bounds table access", "undefined table index"},
      {"out of bounds table access", "wasm trap: out of bounds table access",
       "out of bounds table access: table.get at 7 >= max value 2"},
      {"uninitialized element 2", "wasm trap: uninitialized element", "uninitialized table element"},
      {"indirect call type mismatch", "wasm trap: indirect call signature mismatch", "indirect call signature mismatch"},
      {"unreachable", "wasm trap: unreachable", "unreachable executed"},
      {"call stack exhausted", "wasm trap: call stack exhausted", "call stack exhausted"},
  };
  for (const auto& c : cases) {
    TrapClass want = classify_trap(c.spec);
    EXPECT_NE(want, TrapClass::None) << c.spec;
    EXPECT_EQ(classify_trap(c.wirt), want) << c.wirt;
    EXPECT_EQ(classify_trap(c.wabt), want) << c.wabt;
  }
  EXPECT_EQ(classify_trap("module did not load"), TrapClass::None);
}

}  // namespace
}  // namespace wirt::testing

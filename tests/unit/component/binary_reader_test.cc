// BinaryReader: LEB128 / name / count bounds and the error format.
#include <gtest/gtest.h>

#include "component/binary_reader.h"

namespace wirt::component {
namespace {

std::span<const uint8_t> S(const std::vector<uint8_t>& v) { return v; }

TEST(BinaryReader, U32) {
  std::vector<uint8_t> ok = {0xe5, 0x8e, 0x26, 0xff, 0xff, 0xff, 0xff, 0x0f};
  BinaryReader r(S(ok));
  EXPECT_EQ(*r.u32("x"), 624485u);
  EXPECT_EQ(*r.u32("x"), 0xffffffffu);
  EXPECT_TRUE(r.at_end());
  std::vector<uint8_t> over = {0xff, 0xff, 0xff, 0xff, 0x1f};
  BinaryReader r2(S(over));
  auto e = r2.u32("a count");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message(), "component binary: offset 0x0: expected a count, got a LEB128 u32 that overflows");
  std::vector<uint8_t> trunc = {0x80, 0x80};
  BinaryReader r3(S(trunc), 0x1a0);
  auto t = r3.u32("a section size");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message(), "component binary: offset 0x1a0: expected a section size, got end of data inside a LEB128 number");
}

TEST(BinaryReader, S33) {
  std::vector<uint8_t> v = {0x7f, 0x40, 0xc0, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f};
  BinaryReader r(S(v));
  EXPECT_EQ(*r.s33("x"), -1);
  EXPECT_EQ(*r.s33("x"), -64);
  EXPECT_EQ(*r.s33("x"), 64);
  EXPECT_EQ(*r.s33("x"), 0xffffffffll);
  std::vector<uint8_t> bad = {0xff, 0xff, 0xff, 0xff, 0x4f};  // unused bits not a sign extension
  BinaryReader r2(S(bad));
  EXPECT_FALSE(r2.s33("x"));
}

TEST(BinaryReader, NamesAndCounts) {
  std::vector<uint8_t> v = {0x03, 'a', 'b', 'c', 0x02, 0xc3, 0x28, 0x05, 'x'};
  BinaryReader r(S(v));
  EXPECT_EQ(*r.name("n"), "abc");
  auto bad = r.name("an export name");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("not valid UTF-8"), std::string::npos);
  auto c = r.count("imports");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message(), "component binary: offset 0x7: expected imports, got a count of 5 with only 1 bytes left");
}

}  // namespace
}  // namespace wirt::component

// registry/config_number.h: the one checked reader of numeric config fields (issue 9 item 6).
#include "registry/config_number.h"

#include <cmath>

#include <gtest/gtest.h>

namespace wirt::registry {
namespace {

std::string int_error(core::Value v, int64_t min, int64_t max) {
  auto r = checked_int(&v, "a.b", min, max);
  return r ? "" : r.error().message();
}

TEST(CheckedInt, AcceptsIntegersAndIntegralFloatsInRange) {
  core::Value five(5), five_f(5.0), big(1e15);
  EXPECT_EQ(*checked_int(&five, "x", 0, 10), 5);
  EXPECT_EQ(*checked_int(&five_f, "x", 0, 10), 5);
  EXPECT_EQ(*checked_int(&big, "x", kNoMin, kNoMax), int64_t{1'000'000'000'000'000});
  core::Value nil;
  EXPECT_FALSE(checked_int(&nil, "x", 0, 10)->has_value());
  EXPECT_FALSE(checked_int(nullptr, "x", 0, 10)->has_value());
  core::Value lo(INT64_MIN), hi(INT64_MAX);
  EXPECT_EQ(*checked_int(&lo, "x", kNoMin, kNoMax), INT64_MIN);
  EXPECT_EQ(*checked_int(&hi, "x", kNoMin, kNoMax), INT64_MAX);
}

// 4294967296 ms was cast to 32 bits (0 = no limit); fractions were cut; 1e30 as int64 is UB.
TEST(CheckedInt, RefusesWhatWouldTruncateWrapOrRound) {
  EXPECT_EQ(int_error(core::Value(int64_t{4294967296}), 0, 86400000),
            "a.b must be an integer between 0 and 86400000, got 4294967296");
  EXPECT_EQ(int_error(core::Value(-1), 0, 10), "a.b must be an integer between 0 and 10, got -1");
  EXPECT_EQ(int_error(core::Value(2.5), 0, 10), "a.b must be an integer between 0 and 10, got 2.5");
  EXPECT_EQ(int_error(core::Value(1e30), kNoMin, kNoMax), "a.b must be an integer, got 1e+30");
  EXPECT_EQ(int_error(core::Value(9223372036854775808.0), kNoMin, kNoMax),
            "a.b must be an integer, got 9.223372036854776e+18");
  EXPECT_EQ(int_error(core::Value(std::nan("")), 0, 10), "a.b must be an integer between 0 and 10, got nan");
  EXPECT_EQ(int_error(core::Value(INFINITY), 1, kNoMax), "a.b must be an integer at least 1, got inf");
  EXPECT_EQ(int_error(core::Value("10"), kNoMin, 100), "a.b must be an integer at most 100, got \"10\"");
  EXPECT_EQ(int_error(core::Value(true), 0, 1), "a.b must be an integer between 0 and 1, got a boolean");
  EXPECT_EQ(int_error(core::Value::map(), 0, 1), "a.b must be an integer between 0 and 1, got a map");
}

TEST(CheckedDuration, GoDurationsInRange) {
  core::Value s("1m30s"), zero("0"), bad("soon"), neg("-1s"), num(30), huge("10000000000h");
  auto day = std::chrono::hours(24);
  EXPECT_EQ(**checked_duration(&s, "t", core::Nanos(0), day), std::chrono::seconds(90));
  EXPECT_EQ(**checked_duration(&zero, "t", core::Nanos(0), day), core::Nanos(0));
  EXPECT_FALSE(checked_duration(nullptr, "t", core::Nanos(0), day)->has_value());
  for (const core::Value* v : {&bad, &neg, &num, &huge}) {
    auto r = checked_duration(v, "t", core::Nanos(0), day);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message().rfind("t must be a duration between 0s and 24h0m0s such as \"30s\", got ", 0), 0u)
        << r.error().message();
  }
}

TEST(TestTimeout, DefaultsToAMinute) {
  core::Value meta = core::Value::map();
  EXPECT_EQ(*test_timeout(meta), std::chrono::seconds(60));
  meta.set("timeout", "250ms");
  EXPECT_EQ(*test_timeout(meta), std::chrono::milliseconds(250));
  meta.set("timeout", 5);
  EXPECT_FALSE(test_timeout(meta).ok());
}

}  // namespace
}  // namespace wirt::registry

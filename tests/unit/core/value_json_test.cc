#include <gtest/gtest.h>
#include <pthread.h>

#include "core/duration.h"
#include "core/json.h"
#include "core/value.h"

using namespace wirt::core;

TEST(Value, MapKeepsInsertionOrderAndReplaces) {
  Value m = Value::map();
  m.set("b", 1);
  m.set("a", 2);
  m.set("b", 3);
  ASSERT_EQ(m.as_map().size(), 2u);
  EXPECT_EQ(m.as_map()[0].first, "b");
  EXPECT_EQ(m.find("b")->as_int(), 3);
  EXPECT_EQ(m.find("zz"), nullptr);
  m.erase("b");
  EXPECT_EQ(m.find("b"), nullptr);
}

TEST(Value, FindPathWalksNestedMaps) {
  auto v = from_json(R"({"meta":{"command":{"name":"greet"}}})");
  ASSERT_TRUE(v.ok());
  ASSERT_NE(v->find_path("meta.command.name"), nullptr);
  EXPECT_EQ(v->find_path("meta.command.name")->as_string(), "greet");
  EXPECT_EQ(v->find_path("meta.nope.name"), nullptr);
}

TEST(Json, RoundTripKeepsTypesAndOrder) {
  const char* text = R"({"z":1,"a":[true,null,2.5,"s"],"m":{}})";
  auto v = from_json(text);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->find("z")->is_int());
  EXPECT_TRUE(v->find("a")->as_array()[2].is_float());
  EXPECT_EQ(to_json(*v), text);
}

TEST(Json, InvalidJsonIsInvalidError) {
  auto v = from_json("{nope");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind(), ErrorKind::Invalid);
  EXPECT_NE(v.error().message().find("invalid JSON"), std::string::npos);
}

TEST(Json, BytesAndNonFiniteStayValidJson) {
  Value arr(Array{Value(Bytes{"ok"}), Value(Bytes{std::string("\xff\x00", 2)}), Value(1.0 / 0.0)});
  EXPECT_EQ(to_json(arr), R"(["ok",[255,0],null])");
}

TEST(Json, HugeUnsignedBecomesFloat) {
  auto v = from_json("18446744073709551615");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->is_float());
}

TEST(Utf8, ValidatesPerRfc3629) {
  EXPECT_TRUE(is_valid_utf8("héllo wörld ✓ 😀"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8("abc\xe2\x82"));       // truncated
}

TEST(Duration, ParsesGoDurations) {
  EXPECT_EQ(parse_duration("5ms")->count(), 5'000'000);
  EXPECT_EQ(parse_duration("1h30m")->count(), 5'400'000'000'000);
  EXPECT_EQ(parse_duration("1.5s")->count(), 1'500'000'000);
  EXPECT_EQ(parse_duration("-2us")->count(), -2'000);
  EXPECT_EQ(parse_duration("0")->count(), 0);
  EXPECT_EQ(parse_duration("250ns")->count(), 250);
}

TEST(Duration, RejectsGarbage) {
  for (const char* bad : {"", "5", "ms", "5 ms", "5parsecs", "1..2s", "."}) {
    auto d = parse_duration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_EQ(d.error().kind(), ErrorKind::Invalid);
    }
  }
}

TEST(Duration, FormatsLikeGo) {
  EXPECT_EQ(format_duration(std::chrono::milliseconds(150)), "150ms");
  EXPECT_EQ(format_duration(std::chrono::seconds(3723)), "1h2m3s");
  EXPECT_EQ(format_duration(Nanos(0)), "0s");
  EXPECT_EQ(format_duration(Nanos(1500)), "1.5\xC2\xB5s");
}

TEST(Error, KindNamesRoundTrip) {
  for (auto k : {ErrorKind::NotFound, ErrorKind::Invalid, ErrorKind::PermissionDenied, ErrorKind::Timeout,
                 ErrorKind::Canceled, ErrorKind::RateLimited}) {
    EXPECT_EQ(kind_from_name(kind_name(k)), k);
  }
  EXPECT_EQ(kind_name(ErrorKind::Unknown), "");
  Error e = invalid("bad");
  e.with_details(Value(7)).with_retryable(true).wrap("ctx");
  EXPECT_EQ(e.message(), "ctx: bad");
  EXPECT_EQ(e.details()->as_int(), 7);
  EXPECT_EQ(e.retryable(), std::optional<bool>(true));
}

TEST(Result, CarriesValueOrError) {
  Result<int> ok = 5;
  Result<int> bad = not_found("x");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::NotFound);
  auto f = [](bool fail) -> Status {
    WIRT_TRY(fail ? Status(invalid("inner")) : Status());
    return {};
  };
  EXPECT_TRUE(f(false).ok());
  EXPECT_EQ(f(true).error().message(), "inner");
}

// json.decode of a 10,000-deep array and `wirt call` with a 60,000-deep argument overflowed
// the 2 MiB fiber stack (SIGSEGV) in the recursive conversion.
TEST(Json, DeepNestingIsInvalidNotACrash) {
  for (int depth : {10000, 60000}) {
    std::string text(size_t(depth), '[');
    text.append(size_t(depth), ']');
    auto v = wirt::core::from_json(text);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().kind(), wirt::core::ErrorKind::Invalid);
    EXPECT_NE(v.error().message().find("nesting deeper than 200"), std::string::npos) << v.error().message();
  }
  std::string ok(200, '[');
  ok.append(200, ']');
  EXPECT_TRUE(wirt::core::from_json(ok));
  // Brackets inside strings do not count.
  EXPECT_TRUE(wirt::core::from_json("[\"" + std::string(1000, '[') + "\\\"\"]"));
}

// Regression (json_fuzz): a number nlohmann cannot hold throws out_of_range, not parse_error; it
// escaped from_json and terminated the process (`wirt call f 1e999`, a guest's call-json).
TEST(Json, NumberOutOfRangeIsAnErrorNotACrash) {
  for (const char* text : {"1e999", "[1, -1e400]", "{\"a\": 123e4567}"}) {
    auto r = from_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().kind(), ErrorKind::Invalid) << text;
    EXPECT_NE(r.error().message().find("invalid JSON"), std::string::npos) << r.error().message();
  }
}

// Destroying a deeply nested Value recursed once per level (std::variant → std::vector →
// ~Value) and overflowed the host stack; producers cap nesting (core/nesting.h), but freeing
// must not depend on that. A million levels of arrays, of maps and of both, each freed on a
// thread with a 256 KiB stack (smaller than a fiber's).
TEST(Value, DestroyingADeeplyNestedValueDoesNotRecurse) {
  using wirt::core::Value;
  for (int shape = 0; shape < 3; ++shape) {
    Value v("leaf");
    for (int i = 0; i < 1'000'000; ++i) {
      bool map = shape == 1 || (shape == 2 && i % 2 == 0);
      Value outer = map ? Value::map() : Value::array();
      if (map) {
        outer.set("k", std::move(v));
        outer.set("n", Value(i));
      } else {
        outer.as_array().push_back(std::move(v));
        outer.as_array().push_back(Value::array());  // an empty sibling container
      }
      v = std::move(outer);
    }
    struct Job { Value v; } job{std::move(v)};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, &attr, [](void* p) -> void* { static_cast<Job*>(p)->v = Value(); return nullptr; }, &job), 0);
    pthread_join(t, nullptr);
    pthread_attr_destroy(&attr);
    EXPECT_TRUE(job.v.is_nil());
  }
}

// Value ↔ MessagePack (src/cluster/codec.h): lossless round trips, bounded decoding of hostile
// input (docs/cluster.md §4 "Limits on receipt").
#include <random>

#include <gtest/gtest.h>

#include "cluster/codec.h"
#include "core/nesting.h"

using wirt::cluster::decode;
using wirt::cluster::encode;
using wirt::core::Array;
using wirt::core::Bytes;
using wirt::core::ErrorKind;
using wirt::core::Map;
using wirt::core::Value;

namespace {

Value roundtrip(const Value& v) {
  auto bytes = encode(v);
  EXPECT_TRUE(bytes) << bytes.error().message();
  auto back = decode(*bytes, "test");
  EXPECT_TRUE(back) << back.error().message();
  return back ? *back : Value();
}

std::string raw(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s += static_cast<char>(b);
  return s;
}

}  // namespace

// Regression: msgpack-cxx's pack_double writes 1.0 and -0.0 as integers; a Float must arrive as
// a Float (the codec writes float 64 itself).
TEST(ClusterCodec, IntegralFloatsStayFloats) {
  for (double d : {0.0, -0.0, 1.0, -5.0, 1e15, 4294967296.0}) {
    Value back = roundtrip(Value(d));
    ASSERT_TRUE(back.is_float()) << d;
    EXPECT_EQ(std::signbit(back.as_float()), std::signbit(d));
    EXPECT_EQ(back.as_float(), d);
  }
}

TEST(ClusterCodec, ScalarsKeepTheirTypes) {
  EXPECT_TRUE(roundtrip(Value()).is_nil());
  EXPECT_EQ(roundtrip(Value(true)), Value(true));
  EXPECT_EQ(roundtrip(Value(false)), Value(false));
  // int vs float: 1 stays an Int, 1.0 stays a Float.
  Value one = roundtrip(Value(int64_t{1}));
  ASSERT_TRUE(one.is_int());
  EXPECT_EQ(one.as_int(), 1);
  Value onef = roundtrip(Value(1.0));
  ASSERT_TRUE(onef.is_float());
  EXPECT_EQ(onef.as_float(), 1.0);
  for (int64_t i : {INT64_MIN, int64_t{-1}, int64_t{0}, int64_t{127}, int64_t{128}, int64_t{65536}, INT64_MAX}) {
    EXPECT_EQ(roundtrip(Value(i)), Value(i)) << i;
  }
  EXPECT_TRUE(std::isnan(roundtrip(Value(std::nan(""))).as_float()));
  EXPECT_EQ(roundtrip(Value(-0.0)).as_float(), -0.0);
  EXPECT_TRUE(std::signbit(roundtrip(Value(-0.0)).as_float()));
  EXPECT_EQ(roundtrip(Value(std::numeric_limits<double>::infinity())).as_float(), std::numeric_limits<double>::infinity());
}

TEST(ClusterCodec, TextAndBytesStayApart) {
  Value text = roundtrip(Value("héllo"));
  ASSERT_TRUE(text.is_string());
  EXPECT_EQ(text.as_string(), "héllo");
  Value bytes = roundtrip(Value(Bytes{std::string("\x00\xff\x80 hi", 6)}));
  ASSERT_TRUE(bytes.is_bytes());
  EXPECT_EQ(bytes.as_bytes().data, std::string("\x00\xff\x80 hi", 6));
  // Invalid UTF-8 in a text value travels as is (the codec does not judge text).
  EXPECT_EQ(roundtrip(Value(std::string("\xff\xfe"))).as_string(), "\xff\xfe");
  EXPECT_TRUE(roundtrip(Value(Bytes{})).is_bytes());
  EXPECT_TRUE(roundtrip(Value("")).is_string());
}

TEST(ClusterCodec, MapsKeepInsertionOrder) {
  Value m = Value::map();
  m.set("zeta", 1);
  m.set("alpha", 2);
  m.set("mid", Value::array());
  Value back = roundtrip(m);
  ASSERT_TRUE(back.is_map());
  ASSERT_EQ(back.as_map().size(), 3u);
  EXPECT_EQ(back.as_map()[0].first, "zeta");
  EXPECT_EQ(back.as_map()[1].first, "alpha");
  EXPECT_EQ(back.as_map()[2].first, "mid");
  EXPECT_EQ(back, m);
  // Empty map and empty array stay distinct.
  EXPECT_TRUE(roundtrip(Value::map()).is_map());
  EXPECT_TRUE(roundtrip(Value::array()).is_array());
}

TEST(ClusterCodec, DeepNestingIsCappedBothWays) {
  Value v = 1;
  for (int i = 0; i < wirt::core::kMaxNesting; ++i) v = Value(Array{v});
  EXPECT_EQ(roundtrip(v), v);  // exactly 200 levels travel
  Value deeper = Value(Array{v});
  auto enc = encode(deeper);
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().kind(), ErrorKind::Invalid);
  EXPECT_NE(enc.error().message().find("nesting deeper than 200"), std::string::npos) << enc.error().message();
  // A hostile peer sends 100,000 nested arrays: refused, no stack overflow.
  std::string hostile(100000, '\x91');
  hostile += '\x01';
  auto dec = decode(hostile, "call body");
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().kind(), ErrorKind::Invalid);
  EXPECT_NE(dec.error().message().find("call body: nesting deeper than 200"), std::string::npos) << dec.error().message();
}

TEST(ClusterCodec, SizeCapOnBothSides) {
  Value big = Value(std::string(1000, 'x'));
  auto enc = encode(big, 500);
  ASSERT_FALSE(enc);
  EXPECT_NE(enc.error().message().find("over the 500-byte limit"), std::string::npos) << enc.error().message();
  auto ok = encode(big);
  ASSERT_TRUE(ok);
  auto dec = decode(*ok, "reply", 500);
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().kind(), ErrorKind::Invalid);
  EXPECT_NE(dec.error().message().find("reply: 100"), std::string::npos) << dec.error().message();
}

TEST(ClusterCodec, MalformedInputIsAClearError) {
  struct Case {
    std::string bytes, expect;
  } cases[] = {
      {"", "empty"},
      {raw({0xc1}), "malformed"},                            // never-used byte
      {raw({0x92, 0x01}), "truncated"},                      // array of 2 with 1 element
      {raw({0xa5, 'a', 'b'}), "truncated"},                  // str of 5 with 2 bytes
      {raw({0x01, 0x02}), "trailing"},                       // two values
      {raw({0x81, 0x01, 0x02}), "map key is not a string"},  // {1: 2}
      {raw({0xd4, 0x01, 0x00}), "ext type"},                 // fixext 1
      {raw({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), "does not fit in 64 signed bits"},
      // An array header claiming 4 billion elements in 5 bytes: refused before allocating.
      {raw({0xdd, 0xff, 0xff, 0xff, 0xff}), "exceeds the message's size"},
      {raw({0xdf, 0xff, 0xff, 0xff, 0xff}), "exceeds the message's size"},
      {raw({0xc6, 0x7f, 0xff, 0xff, 0xff}), "truncated"},  // bin: nothing is allocated before the bytes
  };
  for (const auto& c : cases) {
    auto r = decode(c.bytes, "call body");
    ASSERT_FALSE(r) << c.expect;
    EXPECT_EQ(r.error().kind(), ErrorKind::Invalid) << c.expect;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().rfind("call body", 0), 0u) << r.error().message();
  }
}

TEST(ClusterCodec, Float32IsReadAsFloat) {
  auto r = decode(raw({0xca, 0x3f, 0xc0, 0x00, 0x00}), "x");  // 1.5f
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->is_float());
  EXPECT_EQ(r->as_float(), 1.5);
}

namespace {

Value random_value(std::mt19937_64& rng, int depth) {
  int kind = static_cast<int>(rng() % (depth > 6 ? 6 : 8));
  switch (kind) {
    case 0: return Value();
    case 1: return Value(rng() % 2 == 0);
    case 2: return Value(static_cast<int64_t>(rng()));
    case 3: return Value(std::ldexp(static_cast<double>(rng() % 1000000) - 500000, static_cast<int>(rng() % 40) - 20));
    case 4: {
      std::string s(rng() % 40, ' ');
      for (auto& c : s) c = static_cast<char>(rng());
      return Value(s);
    }
    case 5: {
      std::string s(rng() % 300, ' ');
      for (auto& c : s) c = static_cast<char>(rng());
      return Value(Bytes{s});
    }
    case 6: {
      Array a;
      for (size_t i = rng() % 6; i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return Value(std::move(a));
    }
    default: {
      Map m;
      for (size_t i = rng() % 6; i > 0; --i) m.emplace_back("k" + std::to_string(rng() % 1000), random_value(rng, depth + 1));
      return Value(std::move(m));
    }
  }
}

}  // namespace

// Fuzz-ish: random values round-trip exactly; random mutations of their encodings decode or
// fail cleanly, never crash.
TEST(ClusterCodec, RandomRoundTripsAndMutations) {
  std::mt19937_64 rng(20261201);
  for (int i = 0; i < 2000; ++i) {
    Value v = random_value(rng, 0);
    auto bytes = encode(v);
    ASSERT_TRUE(bytes);
    auto back = decode(*bytes, "fuzz");
    ASSERT_TRUE(back) << back.error().message();
    ASSERT_EQ(*back, v) << "case " << i;
    std::string m = *bytes;
    for (int k = 0; k < 4 && !m.empty(); ++k) m[rng() % m.size()] = static_cast<char>(rng());
    if (rng() % 3 == 0) m.resize(rng() % (m.size() + 1));
    auto r = decode(m, "fuzz");
    if (!r) {
      EXPECT_EQ(r.error().kind(), ErrorKind::Invalid);
    }
  }
}

// wasi:http `fields` semantics (wasi-http types.wit `resource fields`, wasi/http_fields.h).
#include <gtest/gtest.h>

#include "wasi/http_fields.h"

using namespace wirt;
using wasi::FieldMap;
using wasi::HeaderError;

namespace {

std::optional<HeaderError> must(core::Result<std::optional<HeaderError>> r) {
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : std::optional<HeaderError>(HeaderError::InvalidSyntax);
}

}  // namespace

TEST(HttpFields, AppendGetHasAreCaseInsensitiveAndKeepOrder) {
  FieldMap m;
  EXPECT_EQ(must(m.append("Set-Cookie", "a=1")), std::nullopt);
  EXPECT_EQ(must(m.append("x-one", "1")), std::nullopt);
  EXPECT_EQ(must(m.append("set-cookie", "b=2")), std::nullopt);
  EXPECT_EQ(m.get("SET-COOKIE"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_TRUE(m.has("X-One"));
  EXPECT_FALSE(m.has("x-two"));
  EXPECT_TRUE(m.get("x-two").empty());
  ASSERT_EQ(m.entries().size(), 3u);
  EXPECT_EQ(m.entries()[0].first, "Set-Cookie");  // names as given
  EXPECT_EQ(m.entries()[2].second, "b=2");
}

TEST(HttpFields, SetReplacesEveryValueOfTheName) {
  FieldMap m;
  ASSERT_EQ(must(m.append("a", "1")), std::nullopt);
  ASSERT_EQ(must(m.append("A", "2")), std::nullopt);
  ASSERT_EQ(must(m.append("b", "3")), std::nullopt);
  EXPECT_EQ(must(m.set("a", {"x", "y"})), std::nullopt);
  EXPECT_EQ(m.get("a"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(m.entries().size(), 3u);
  EXPECT_EQ(must(m.set("a", {})), std::nullopt);  // set to no values = delete
  EXPECT_FALSE(m.has("a"));
}

TEST(HttpFields, DeleteRemovesAllValues) {
  FieldMap m;
  ASSERT_EQ(must(m.append("a", "1")), std::nullopt);
  ASSERT_EQ(must(m.append("A", "2")), std::nullopt);
  EXPECT_EQ(m.remove("a"), std::nullopt);
  EXPECT_FALSE(m.has("a"));
  EXPECT_EQ(m.remove("absent"), std::nullopt);  // deleting an absent name is fine
}

TEST(HttpFields, InvalidNamesAndValuesAreInvalidSyntax) {
  FieldMap m;
  EXPECT_EQ(must(m.append("malformed header name", "ok")), HeaderError::InvalidSyntax);
  EXPECT_EQ(must(m.append("", "ok")), HeaderError::InvalidSyntax);
  EXPECT_EQ(must(m.append("ok-name", "bad\nvalue")), HeaderError::InvalidSyntax);
  EXPECT_EQ(must(m.append("ok-name", "bad\rvalue")), HeaderError::InvalidSyntax);
  EXPECT_EQ(must(m.append("ok-name", std::string("nul\0", 4))), HeaderError::InvalidSyntax);
  EXPECT_EQ(must(m.append("ok-name", "tab\tand obs-text \xff ok")), std::nullopt);
  EXPECT_EQ(must(m.set("a:b", {"v"})), HeaderError::InvalidSyntax);
  EXPECT_EQ(m.remove("a b"), HeaderError::InvalidSyntax);
  EXPECT_EQ(m.entries().size(), 1u);
}

TEST(HttpFields, HopByHopAndRoutingNamesAreForbidden) {
  FieldMap m;
  for (const char* n : {"Connection", "keep-alive", "Proxy-Authenticate", "proxy-authorization", "proxy-connection",
                        "Transfer-Encoding", "upgrade", "HOST", "http2-settings"}) {
    EXPECT_EQ(must(m.append(n, "x")), HeaderError::Forbidden) << n;
    EXPECT_EQ(must(m.set(n, {"x"})), HeaderError::Forbidden) << n;
    EXPECT_EQ(m.remove(n), HeaderError::Forbidden) << n;
  }
  EXPECT_TRUE(m.entries().empty());
}

TEST(HttpFields, ImmutableMapsRefuseEveryMutationFirst) {
  FieldMap m = FieldMap::trusted({{"Host", "example.com"}, {"x", "1"}}, true);
  EXPECT_EQ(must(m.append("y", "2")), HeaderError::Immutable);
  EXPECT_EQ(must(m.append("bad name", "2")), HeaderError::Immutable);  // immutable is checked first
  EXPECT_EQ(must(m.set("x", {"2"})), HeaderError::Immutable);
  EXPECT_EQ(m.remove("x"), HeaderError::Immutable);
  EXPECT_EQ(m.get("host"), (std::vector<std::string>{"example.com"}));
  FieldMap c = m.clone();  // a clone is mutable
  EXPECT_EQ(must(c.append("y", "2")), std::nullopt);
  EXPECT_EQ(c.entries().size(), 3u);
  EXPECT_EQ(m.entries().size(), 2u);
}

TEST(HttpFields, FromListValidatesEveryEntry) {
  auto good = FieldMap::from_list({{"a", "1"}, {"b", "2"}});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->second, std::nullopt);
  EXPECT_EQ(good->first.entries().size(), 2u);
  EXPECT_FALSE(good->first.immutable());
  auto bad = FieldMap::from_list({{"a", "1"}, {"connection", "close"}});
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->second, HeaderError::Forbidden);
  auto syntax = FieldMap::from_list({{"a", "1\n"}});
  ASSERT_TRUE(syntax.ok());
  EXPECT_EQ(syntax->second, HeaderError::InvalidSyntax);
}

TEST(HttpFields, AGuestCannotGrowAMapWithoutBound) {
  FieldMap m;
  for (size_t i = 0; i < FieldMap::kMaxEntries; ++i) ASSERT_EQ(must(m.append("x", "1")), std::nullopt);
  auto over = m.append("x", "1");
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message().find("more than 1024 entries"), std::string::npos);
  FieldMap big;
  std::string value(FieldMap::kMaxBytes / 2, 'v');
  ASSERT_EQ(must(big.append("a", value)), std::nullopt);
  EXPECT_FALSE(big.append("b", value).ok());
  EXPECT_FALSE(big.set("c", {value, value}).ok());
  EXPECT_EQ(big.entries().size(), 1u);
}

#include "http/router.h"

#include <gtest/gtest.h>

namespace wirt::http {
namespace {

Handler tag(int* hit, int value) {
  return [hit, value](Exchange&) { *hit = value; };
}

TEST(RouteTable, LiteralAndParamsMatch) {
  RouteTable t;
  int hit = 0;
  ASSERT_TRUE(t.add("GET", "/users/{id}/posts/{post}", "a", tag(&hit, 1)));
  auto m = t.match("GET", "/users/42/posts/7");
  ASSERT_NE(m.handler, nullptr);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"id", "42"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"post", "7"}));
  EXPECT_EQ(t.match("GET", "/users/42/posts").status, 404);
  EXPECT_EQ(t.match("GET", "/users//posts/7").status, 404);  // {id} never matches an empty segment
}

TEST(RouteTable, RestTakesTheRemainder) {
  RouteTable t;
  int hit = 0;
  ASSERT_TRUE(t.add("GET", "/files/{path...}", "a", tag(&hit, 1)));
  auto m = t.match("GET", "/files/a/b/c.txt");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params[0].second, "a/b/c.txt");
  EXPECT_EQ(t.match("GET", "/files/").params[0].second, "");
}

TEST(RouteTable, MoreSpecificWinsWhateverTheOrder) {
  RouteTable t;
  int hit = 0;
  ASSERT_TRUE(t.add("GET", "/users/{id}", "param", tag(&hit, 1)));
  ASSERT_TRUE(t.add("GET", "/{any...}", "rest", tag(&hit, 3)));
  ASSERT_TRUE(t.add("GET", "/users/me", "literal", tag(&hit, 2)));
  // Which route matched shows in the parameters it captured.
  EXPECT_TRUE(t.match("GET", "/users/me").params.empty());
  EXPECT_EQ(t.match("GET", "/users/you").params.at(0).first, "id");
  EXPECT_EQ(t.match("GET", "/other/x").params.at(0).first, "any");
}

TEST(RouteTable, WrongMethodIs405WithAllow) {
  RouteTable t;
  int hit = 0;
  ASSERT_TRUE(t.add("PUT", "/x/{id}", "a", tag(&hit, 1)));
  ASSERT_TRUE(t.add("GET", "/x/{id}", "b", tag(&hit, 2)));
  auto m = t.match("DELETE", "/x/1");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "GET, PUT");
  EXPECT_EQ(t.match("GET", "/y").status, 404);
}

TEST(RouteTable, DuplicateRouteRejectedNamingTheOwner) {
  RouteTable t;
  int hit = 0;
  ASSERT_TRUE(t.add("GET", "/a/{id}", "app:first", tag(&hit, 1)));
  auto st = t.add("GET", "/a/{other}", "app:second", tag(&hit, 2));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("already served by app:first"), std::string::npos) << st.error().message();
  EXPECT_TRUE(t.add("POST", "/a/{id}", "app:third", tag(&hit, 3)));
}

TEST(RouteTable, BadPatternsRejected) {
  for (const char* bad : {"/a/{", "/a/{}", "/a/x{id}", "/{rest...}/more", "/a/{b}c", "nope"}) {
    auto st = check_pattern(bad);
    EXPECT_FALSE(st) << bad;
    if (!st) {
      EXPECT_EQ(st.error().message().rfind("path: ", 0), 0u) << st.error().message();
    }
  }
  EXPECT_TRUE(check_pattern("/a/{b}/{c...}"));
}

TEST(RouteTable, MountsServeGetAndHeadUnderTheirPrefix) {
  RouteTable t;
  int hit = 0;
  ASSERT_TRUE(t.add_mount("/static", "s", tag(&hit, 1)));
  ASSERT_TRUE(t.add_mount("/", "root", tag(&hit, 2)));
  EXPECT_NE(t.match("GET", "/static/a.txt").handler, nullptr);
  EXPECT_EQ(t.match("GET", "/static/a.txt").params[0].second, "/static");
  EXPECT_EQ(t.match("GET", "/staticx").params[0].second, "/");  // not under /static
  EXPECT_EQ(t.match("POST", "/static/a.txt").status, 405);
  EXPECT_EQ(t.match("POST", "/static/a.txt").allow, "GET, HEAD");
  EXPECT_FALSE(t.add_mount("/static", "again", tag(&hit, 3)));
}

TEST(RouteTable, FallbackTakesWhatNothingElseServes) {
  RouteTable t;
  int hit = 0;
  ASSERT_TRUE(t.add("GET", "/a", "a", tag(&hit, 1)));
  t.set_fallback(tag(&hit, 2));
  EXPECT_TRUE(t.match("GET", "/a").params.empty());
  EXPECT_NE(t.match("GET", "/a").handler, t.match("DELETE", "/a").handler);  // 405 becomes the fallback
  EXPECT_NE(t.match("PATCH", "/anything/else").handler, nullptr);
  EXPECT_EQ(t.match("PATCH", "/anything/else").status, 0);
}

}  // namespace
}  // namespace wirt::http

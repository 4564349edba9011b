// Subject tokens for registry ids (src/cluster/subjects.h, docs/cluster.md §3).
#include <random>

#include <gtest/gtest.h>

#include "cluster/subjects.h"

using wirt::cluster::escape_token;
using wirt::cluster::Subjects;
using wirt::cluster::unescape_token;
using wirt::cluster::valid_name;

TEST(ClusterSubjects, EscapesTheDocumentedBytes) {
  EXPECT_EQ(escape_token("app.math:add"), "app~2Emath:add");
  EXPECT_EQ(escape_token("a*b>c~d e"), "a~2Ab~3Ec~7Ed~20e");
  EXPECT_EQ(escape_token("tab\there\n"), "tab~09here~0A");
  EXPECT_EQ(escape_token("plain:id_1-x"), "plain:id_1-x");
  EXPECT_EQ(escape_token("ünï"), "ünï");  // UTF-8 bytes are allowed in subjects
}

TEST(ClusterSubjects, SubjectsHaveOneTokenPerId) {
  Subjects s{"prod"};
  EXPECT_EQ(s.call("app.math:add"), "prod.call.app~2Emath:add");
  EXPECT_EQ(s.call_queue(), "prod.call");
  EXPECT_EQ(s.beat(), "prod.beat");
  EXPECT_EQ(s.node_proc("api-1"), "prod.node.api-1.proc");
}

TEST(ClusterSubjects, UnescapeReversesAndRejectsForgeries) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::string id(rng() % 24, ' ');
    for (auto& c : id) c = static_cast<char>(rng() % 256);
    std::string token = escape_token(id);
    EXPECT_EQ(token.find_first_of(".*> \t\r\n"), std::string::npos) << token;
    auto back = unescape_token(token);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, id);
  }
  for (const char* bad : {"a~", "a~2", "a~zz", "a~2e", "a~41", "a.b", "a b"}) {
    auto r = unescape_token(bad);
    EXPECT_FALSE(r) << bad;
  }
}

TEST(ClusterSubjects, NamesAreSingleTokens) {
  EXPECT_TRUE(valid_name("api-1"));
  EXPECT_TRUE(valid_name("wirt"));
  EXPECT_FALSE(valid_name(""));
  EXPECT_FALSE(valid_name("a.b"));
  EXPECT_FALSE(valid_name("a*"));
  EXPECT_FALSE(valid_name(std::string(65, 'a')));
}

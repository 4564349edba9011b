#include "registry/topo.h"

#include <gtest/gtest.h>

namespace wirt::registry {
namespace {

Entry make(std::string_view id, core::Map data = {}, core::Map meta = {}) {
  Entry e;
  e.id = EntryId::parse(id);
  e.kind = "k";
  e.data = core::Value(std::move(data));
  e.meta = core::Value(std::move(meta));
  e.pos = SourcePos{"src/_index.yaml", 1, 1};
  return e;
}

std::vector<std::string> order_of(const std::vector<Entry>& entries) {
  auto r = dependency_order(entries);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  std::vector<std::string> out;
  if (r.ok()) {
    for (const Entry* e : *r) out.push_back(e->id.str());
  }
  return out;
}

TEST(Topo, IndependentEntriesKeepInputOrder) {
  std::vector<Entry> entries{make("a:z"), make("a:b"), make("b:a")};
  EXPECT_EQ(order_of(entries), (std::vector<std::string>{"a:z", "a:b", "b:a"}));
}

TEST(Topo, DependenciesComeFirstAndRelativeNamesUseOwnNamespace) {
  std::vector<Entry> entries{
      make("app:endpoint", {{"func", "handler"}}, {{"router", "http:router"}}),
      make("http:router", {}, {{"server", "server"}}),
      make("app:handler"),
      make("http:server"),
  };
  EXPECT_EQ(order_of(entries), (std::vector<std::string>{"app:handler", "http:server", "http:router", "app:endpoint"}));
}

TEST(Topo, AllRegisteredFieldsCreateEdges) {
  std::vector<Entry> entries{
      make("a:user",
           {{"fs", "d1"},
            {"host", "d2"},
            {"process", "d3"},
            {"storage", "d4"},
            {"storages", core::Array{"d5"}},
            {"env", "d6"},
            {"config", "d7"},
            {"api_env", "d8"},
            {"imports", core::Map{{"x", "d9"}, {"y", core::Array{"d10"}}}},
            {"lifecycle", core::Map{{"requires", core::Array{"d11"}}, {"depends_on", "d12"}}}},
           {{"parent", "d13"}, {"depends_on", core::Array{"d14", "d15"}}}),
  };
  for (int i = 1; i <= 15; ++i) entries.push_back(make("a:d" + std::to_string(i)));
  std::vector<std::string> order = order_of(entries);
  ASSERT_EQ(order.size(), 16u);
  EXPECT_EQ(order.back(), "a:user");
  EXPECT_EQ(order.front(), "a:d1");
}

TEST(Topo, ImportsAsListAndUnknownIdsAreIgnored) {
  std::vector<Entry> entries{
      make("app:comp", {{"imports", core::Array{"wasi:cli", "lib"}}}),
      make("app:lib"),
  };
  EXPECT_EQ(order_of(entries), (std::vector<std::string>{"app:lib", "app:comp"}));
}

TEST(Topo, NamespaceDependencyMeansEveryEntryOfIt) {
  std::vector<Entry> entries{
      make("app:main", {}, {{"depends_on", "ns:lib"}}),
      make("other:x"),
      make("lib:a"),
      make("lib:b"),
  };
  EXPECT_EQ(order_of(entries), (std::vector<std::string>{"other:x", "lib:a", "lib:b", "app:main"}));
}

TEST(Topo, OwnNamespaceAndSelfReferencesAreNotCycles) {
  std::vector<Entry> entries{
      make("app:a", {}, {{"depends_on", core::Array{"ns:app", "a"}}}),
      make("app:b"),
  };
  EXPECT_EQ(order_of(entries), (std::vector<std::string>{"app:b", "app:a"}));
}

TEST(Topo, CycleIsAnErrorNamingIt) {
  std::vector<Entry> entries{
      make("a:free"),
      make("a:x", {{"func", "y"}}),
      make("a:y", {{"func", "a:z"}}),
      make("a:z", {}, {{"depends_on", "x"}}),
      make("a:after", {{"func", "x"}}),
  };
  auto r = dependency_order(entries);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), core::ErrorKind::Invalid);
  EXPECT_EQ(r.error().message().rfind("dependency cycle: a:x -> a:y -> a:z -> a:x", 0), 0u) << r.error().message();
  EXPECT_NE(r.error().message().find("src/_index.yaml:1:1"), std::string::npos);
}

TEST(Topo, CycleReachedThroughADependentIsReportedWithoutIt) {
  std::vector<Entry> entries{
      make("a:first", {{"func", "p"}}),
      make("a:p", {{"func", "q"}}),
      make("a:q", {{"func", "p"}}),
  };
  auto r = dependency_order(entries);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("dependency cycle: a:p -> a:q -> a:p", 0), 0u) << r.error().message();
}

}  // namespace
}  // namespace wirt::registry

#include "registry/filter.h"

#include <gtest/gtest.h>

namespace wirt::registry {
namespace {

Entry make(const std::string& id, const std::string& kind, core::Value meta) {
  Entry e;
  e.id = EntryId::parse(id);
  e.kind = kind;
  e.meta = std::move(meta);
  return e;
}

core::Value map(std::initializer_list<std::pair<std::string, core::Value>> items) {
  core::Value m = core::Value::map();
  for (const auto& [k, v] : items) m.set(k, v);
  return m;
}

bool matches(const core::Value& criteria, const Entry& e) {
  auto f = Filter::parse(criteria);
  EXPECT_TRUE(f) << (f ? "" : f.error().message());
  return f && f->match(e);
}

const Entry kWidget = make("app.ui:button", "registry.entry",
                           map({{"type", "widget"}, {"priority", 1}, {"tags", core::Array{"a", "b"}},
                                {"label", "Big red button"}}));

TEST(RegistryFilter, EmptyMatchesEverything) { EXPECT_TRUE(matches(core::Value::map(), kWidget)); }

TEST(RegistryFilter, KindAndRootFields) {
  EXPECT_TRUE(matches(map({{"kind", "registry.entry"}}), kWidget));
  EXPECT_FALSE(matches(map({{"kind", "registry"}}), kWidget));
  EXPECT_TRUE(matches(map({{"kind", "registry.*"}}), kWidget));
  EXPECT_TRUE(matches(map({{".kind", "*.entry"}}), kWidget));
  EXPECT_TRUE(matches(map({{".ns", "app.ui"}, {".name", "but*"}}), kWidget));
  EXPECT_FALSE(matches(map({{".ns", "app"}}), kWidget));
  EXPECT_TRUE(matches(map({{".id", "app.ui:button"}}), kWidget));
}

TEST(RegistryFilter, TypeNestedMetaAndOtherKeysMatchMeta) {
  EXPECT_TRUE(matches(map({{"type", "widget"}}), kWidget));
  EXPECT_FALSE(matches(map({{"type", "gadget"}}), kWidget));
  EXPECT_TRUE(matches(map({{"meta", map({{"type", "widget"}, {"priority", 1}})}}), kWidget));
  EXPECT_FALSE(matches(map({{"meta", map({{"missing", 1}})}}), kWidget));
  EXPECT_TRUE(matches(map({{"meta.priority", 1.0}}), kWidget)) << "numbers compare by value";
  EXPECT_FALSE(matches(map({{"priority", 2}}), kWidget));
  EXPECT_FALSE(matches(map({{"priority", "1"}}), kWidget)) << "no string/number coercion";
}

TEST(RegistryFilter, ListsNeedEveryElement) {
  EXPECT_TRUE(matches(map({{"tags", core::Array{"b"}}}), kWidget));
  EXPECT_TRUE(matches(map({{"tags", core::Array{"b", "a"}}}), kWidget));
  EXPECT_FALSE(matches(map({{"tags", core::Array{"a", "c"}}}), kWidget));
  EXPECT_FALSE(matches(map({{"type", core::Array{"widget"}}}), kWidget)) << "meta.type is not a list";
}

TEST(RegistryFilter, Operators) {
  EXPECT_TRUE(matches(map({{"~meta.label", "^Big .* button$"}}), kWidget));
  EXPECT_FALSE(matches(map({{"~meta.label", "^red"}}), kWidget));
  EXPECT_TRUE(matches(map({{"^meta.label", "Big"}}), kWidget));
  EXPECT_TRUE(matches(map({{"$meta.label", "button"}}), kWidget));
  EXPECT_FALSE(matches(map({{"$meta.label", "Big"}}), kWidget));
  EXPECT_TRUE(matches(map({{"*meta.label", "red"}}), kWidget));
  EXPECT_TRUE(matches(map({{"*meta.tags", "b"}}), kWidget));
  EXPECT_FALSE(matches(map({{"*meta.tags", "c"}}), kWidget));
  EXPECT_FALSE(matches(map({{"^meta.priority", "1"}}), kWidget)) << "operators read strings only";
}

TEST(RegistryFilter, BadCriteriaAreInvalid) {
  auto expect_invalid = [](const core::Value& criteria, const std::string& fragment) {
    auto f = Filter::parse(criteria);
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().kind(), core::ErrorKind::Invalid);
    EXPECT_NE(f.error().message().find(fragment), std::string::npos) << f.error().message();
  };
  expect_invalid(core::Value("x"), "filter must be a table");
  expect_invalid(map({{"kind", 3}}), "filter field kind: string expected");
  expect_invalid(map({{"meta", "x"}}), "filter field meta: table expected");
  expect_invalid(map({{"~meta.label", "("}}), "invalid regex");
  expect_invalid(map({{"*meta.tags", 1}}), "string expected");
  expect_invalid(map({{".owner", "x"}}), "unknown entry field");
}

TEST(GlobMatch, Wildcards) {
  EXPECT_TRUE(glob_match("function.lua", "function.lua"));
  EXPECT_TRUE(glob_match("function.lua", "function.*"));
  EXPECT_TRUE(glob_match("function.lua", "*.lua"));
  EXPECT_TRUE(glob_match("function.lua", "f*n*a"));
  EXPECT_TRUE(glob_match("abc", "*"));
  EXPECT_FALSE(glob_match("function.lua", "*.wasm"));
  EXPECT_FALSE(glob_match("ab", "a*b*c"));
  EXPECT_FALSE(glob_match("aXb", "a*bb"));
}

}  // namespace
}  // namespace wirt::registry

#include "registry/entry.h"

#include <gtest/gtest.h>

namespace wirt::registry {
namespace {

TEST(EntryId, SplitsAtFirstColon) {
  EntryId id = EntryId::parse("app.api:get:user");
  EXPECT_EQ(id.ns, "app.api");
  EXPECT_EQ(id.name, "get:user");
  EXPECT_EQ(id.str(), "app.api:get:user");
}

TEST(EntryId, NoColonMeansEmptyNamespace) {
  EntryId id = EntryId::parse("handler");
  EXPECT_EQ(id.ns, "");
  EXPECT_EQ(id.name, "handler");
  EXPECT_EQ(id.str(), "handler");
  EXPECT_EQ(id.with_default_ns("app"), (EntryId{"app", "handler"}));
  EXPECT_EQ(EntryId::parse("x:y").with_default_ns("app"), (EntryId{"x", "y"}));
}

TEST(EntryId, Equality) {
  EXPECT_EQ(EntryId::parse("a:b"), (EntryId{"a", "b"}));
  EXPECT_FALSE(EntryId::parse("a:b") == EntryId::parse("a:c"));
}

TEST(SourcePos, PrintsWhatIsKnown) {
  EXPECT_EQ((SourcePos{"src/a.yaml", 0, 0}).str(), "src/a.yaml");
  EXPECT_EQ((SourcePos{"src/a.yaml", 3, 0}).str(), "src/a.yaml:3");
  EXPECT_EQ((SourcePos{"src/a.yaml", 3, 7}).str(), "src/a.yaml:3:7");
}

}  // namespace
}  // namespace wirt::registry

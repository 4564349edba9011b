#include "registry/changes.h"

#include <gtest/gtest.h>

namespace wirt::registry {
namespace {

Entry entry(const std::string& id, const std::string& kind = "k") {
  Entry e;
  e.id = EntryId::parse(id);
  e.kind = kind;
  return e;
}

std::string ids(const std::vector<Entry>& list) {
  std::string out;
  for (const auto& e : list) out += (out.empty() ? "" : ",") + e.id.str();
  return out;
}

TEST(RegistryChanges, CreateUpdateDeleteInOrder) {
  Entry changed = entry("a:y", "other");
  changed.meta.set("type", "t");
  auto r = apply_changes({entry("a:x"), entry("a:y"), entry("a:z")},
                         {{Change::Op::Create, entry("a:new")},
                          {Change::Op::Update, changed},
                          {Change::Op::Delete, entry("a:x")},
                          {Change::Op::Create, entry("a:x")}});  // deleted, then created again
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(ids(*r), "a:y,a:z,a:new,a:x");
  EXPECT_EQ((*r)[0].kind, "other");
  EXPECT_EQ((*r)[0].meta.get_string("type"), "t");
}

TEST(RegistryChanges, EveryConflictIsReported) {
  auto r = apply_changes({entry("a:x")}, {{Change::Op::Create, entry("a:x")},
                                          {Change::Op::Update, entry("a:missing")},
                                          {Change::Op::Delete, entry("a:gone")}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::Invalid);
  const std::string& m = r.error().message();
  EXPECT_NE(m.find("entry.create a:x: entry already exists"), std::string::npos) << m;
  EXPECT_NE(m.find("entry.update a:missing: entry not found"), std::string::npos) << m;
  EXPECT_NE(m.find("entry.delete a:gone: entry not found"), std::string::npos) << m;
}

TEST(RegistryChanges, OpNames) {
  EXPECT_STREQ(op_name(Change::Op::Create), "entry.create");
  EXPECT_STREQ(op_name(Change::Op::Update), "entry.update");
  EXPECT_STREQ(op_name(Change::Op::Delete), "entry.delete");
}

}  // namespace
}  // namespace wirt::registry

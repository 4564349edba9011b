#include "registry/store.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace wirt::registry {
namespace {

std::vector<Entry> entries(std::initializer_list<const char*> ids) {
  std::vector<Entry> out;
  for (const char* id : ids) {
    Entry e;
    e.id = EntryId::parse(id);
    e.kind = "k";
    out.push_back(std::move(e));
  }
  return out;
}

TEST(RegistryStore, VersionsCountFromOne) {
  Store store;
  EXPECT_EQ(store.current(), nullptr);
  EXPECT_EQ(store.publish(entries({"a:x"})), 1u);
  EXPECT_EQ(store.publish(entries({"a:x", "a:y"})), 2u);
  auto cur = store.current();
  ASSERT_NE(cur, nullptr);
  EXPECT_EQ(cur->version, 2u);
  EXPECT_NE(cur->find(EntryId::parse("a:y")), nullptr);
  EXPECT_EQ(cur->find(EntryId::parse("a:z")), nullptr);
  EXPECT_EQ(store.versions(), (std::vector<uint64_t>{1, 2}));
  auto first = store.at(1);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->entries.size(), 1u);
  EXPECT_EQ(store.at(3), nullptr);
  EXPECT_EQ(store.at(0), nullptr);
}

TEST(RegistryStore, ReadersKeepTheirSnapshotAcrossPublishes) {
  Store store;
  store.publish(entries({"a:x"}));
  auto held = store.current();
  for (size_t i = 0; i < Store::kHistory + 5; ++i) store.publish(entries({"a:y"}));
  // Version 1 is no longer kept, but the reader's copy is intact.
  EXPECT_EQ(store.at(1), nullptr);
  EXPECT_EQ(held->version, 1u);
  ASSERT_EQ(held->entries.size(), 1u);
  EXPECT_EQ(held->entries[0].id.str(), "a:x");
  auto kept = store.versions();
  EXPECT_EQ(kept.size(), Store::kHistory);
  EXPECT_EQ(kept.back(), Store::kHistory + 6);
  EXPECT_EQ(kept.front(), 7u);
}

// Readers on other threads while a writer publishes (meaningful under TSan: `make sanitize`).
TEST(RegistryStore, ConcurrentReadersSeeWholeVersions) {
  Store store;
  store.publish(entries({"a:0"}));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto s = store.current();
        // Version n was published with n entries.
        if (!s || s->entries.size() != s->version) bad.fetch_add(1);
      }
    });
  for (int v = 2; v <= 200; ++v) {
    std::vector<Entry> list;
    for (int i = 0; i < v; ++i) list.push_back(entries({"a:x"})[0]);
    store.publish(std::move(list));
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace wirt::registry

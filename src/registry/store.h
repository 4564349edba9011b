// wirt::registry::Store — the app's entries as numbered, immutable versions, readable from any
// thread (the Lua `registry` module reads it from worker fibers while a hot reload commits).
//
// Version 1 is what the app booted with; every applied reload transaction (a file change or a
// Lua changeset, app/reload.h) publishes the next number. A published Snapshot is never
// modified: readers hold a shared_ptr to it and keep it alive after newer versions replace it.
// The last kHistory versions are kept for snapshot_at / versions(); older ones are forgotten
// (their entries freed once no reader holds them).
//
// Thread-safety: every member may be called from any thread; a mutex guards the history
// (held only to copy a shared_ptr, never while entries are built or compared).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "registry/entry.h"

namespace wirt::registry {

struct Snapshot {
  uint64_t version = 0;
  std::vector<Entry> entries;

  // The entry with this id, or nullptr (linear: snapshots are read rarely, by Lua code).
  const Entry* find(const EntryId& id) const;
};

class Store {
 public:
  static constexpr size_t kHistory = 32;

  // Publishes `entries` as the next version and returns its number.
  uint64_t publish(std::vector<Entry> entries);
  // The newest version; nullptr before the first publish.
  [[nodiscard]] std::shared_ptr<const Snapshot> current() const;
  // Version `id` while it is still kept, else nullptr.
  [[nodiscard]] std::shared_ptr<const Snapshot> at(uint64_t id) const;
  // The kept version numbers, oldest first.
  [[nodiscard]] std::vector<uint64_t> versions() const;

 private:
  mutable std::mutex mu_;
  std::deque<std::shared_ptr<const Snapshot>> history_;  // oldest first; back() is current
  uint64_t last_ = 0;
};

}  // namespace wirt::registry

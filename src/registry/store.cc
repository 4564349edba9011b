#include "registry/store.h"

namespace wirt::registry {

const Entry* Snapshot::find(const EntryId& id) const {
  for (const auto& e : entries)
    if (e.id == id) return &e;
  return nullptr;
}

uint64_t Store::publish(std::vector<Entry> entries) {
  // Built outside the lock: only the pointer swap is serialised.
  auto snap = std::make_shared<Snapshot>();
  snap->entries = std::move(entries);
  std::shared_ptr<const Snapshot> dropped;  // freed after unlocking
  std::lock_guard lock(mu_);
  snap->version = ++last_;
  history_.push_back(std::move(snap));
  if (history_.size() > kHistory) {
    dropped = std::move(history_.front());
    history_.pop_front();
  }
  return last_;
}

std::shared_ptr<const Snapshot> Store::current() const {
  std::lock_guard lock(mu_);
  return history_.empty() ? nullptr : history_.back();
}

std::shared_ptr<const Snapshot> Store::at(uint64_t id) const {
  std::lock_guard lock(mu_);
  for (const auto& s : history_)
    if (s->version == id) return s;
  return nullptr;
}

std::vector<uint64_t> Store::versions() const {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> out;
  out.reserve(history_.size());
  for (const auto& s : history_) out.push_back(s->version);
  return out;
}

}  // namespace wirt::registry

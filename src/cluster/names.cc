#include "cluster/names.h"

#include <fmt/format.h>

#include "cluster/codec.h"
#include "core/log.h"
#include "sched/scheduler.h"

namespace wirt::cluster {

namespace {

// Names are short identifiers; the bound keeps keys within NATS subject limits.
constexpr size_t kMaxName = 256;

std::string nats_text(natsStatus s) {
  const char* last = nats_GetLastError(nullptr);
  return last && *last ? fmt::format("{} ({})", natsStatus_GetText(s), last) : natsStatus_GetText(s);
}

core::Error kv_error(natsStatus s, std::string_view what) {
  return core::unavailable(fmt::format("cluster names: {}: {}", what, nats_text(s)));
}

// The holder stored under a key; nullopt for an empty (released) value.
core::Result<std::optional<NameHolder>> read_holder(kvEntry* e, std::string_view name) {
  if (kvEntry_Operation(e) != kvOp_Put || kvEntry_ValueLen(e) == 0) return std::optional<NameHolder>();
  auto v = decode(std::string_view(static_cast<const char*>(kvEntry_Value(e)), static_cast<size_t>(kvEntry_ValueLen(e))),
                  fmt::format("the holder of name {}", name));
  if (!v) return std::move(v).error();
  NameHolder h{v->get_string("pid"), v->get_string("node"), std::strtoull(v->get_string("inc").c_str(), nullptr, 16)};
  return std::optional<NameHolder>(std::move(h));
}

struct EntryGuard {
  kvEntry* e = nullptr;
  ~EntryGuard() {
    if (e) kvEntry_Destroy(e);
  }
};

}  // namespace

std::string Names::key_of(std::string_view name) {
  std::string out;
  for (char ch : name) {
    bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    if (plain) out += ch;
    else out += fmt::format("={:02X}", static_cast<unsigned char>(ch));
  }
  return out;
}

std::shared_ptr<Names> Names::start(std::shared_ptr<Node> node) {
  std::shared_ptr<Names> names(new Names(std::move(node)));
  names->thread_ = std::thread([raw = names.get()] { raw->thread_loop(); });
  std::weak_ptr<Names> weak = names;
  names->node_->on_loss([weak](const std::string& n, uint64_t inc, const std::string&) {
    auto self = weak.lock();
    if (!self) return;
    // Off the libnats thread: the release makes KV round trips.
    std::lock_guard lk(self->mu_);
    self->tasks_.push_back([weak, n, inc] {
      if (auto s = weak.lock()) {
        // A cluster that never used names (no bucket, or no JetStream) has nothing to release.
        if (!s->bucket_exists()) return;
        auto freed = s->release_node(n, inc);
        if (!freed) core::log_warn("cluster: releasing the names of lost node {}: {}", n, freed.error().message());
        else if (*freed) core::log_info("cluster: released {} name(s) of lost node {}", *freed, n);
      }
    });
    self->cv_.notify_one();
  });
  return names;
}

Names::~Names() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
    else thread_.join();
  }
  if (kv_) kvStore_Destroy(kv_);
  if (js_) jsCtx_Destroy(js_);
}

void Names::thread_loop() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stopping_ || !tasks_.empty(); });
    if (stopping_) return;
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lk.unlock();
    task();
    lk.lock();
  }
}

core::Result<kvStore*> Names::bucket(bool create) {
  std::lock_guard lk(bucket_mu_);
  if (kv_) return kv_;
  if (!node_->connected()) return core::unavailable("cluster names: cluster disconnected");
  if (!js_) {
    jsOptions o;
    jsOptions_Init(&o);
    o.Wait = 3000;
    if (natsStatus s = natsConnection_JetStream(&js_, node_->connection(), &o); s != NATS_OK) {
      return kv_error(s, "JetStream context");
    }
  }
  std::string name = "wirt_names_" + node_->config().name;
  natsStatus s = js_KeyValue(&kv_, js_, name.c_str());
  if (s != NATS_OK && !create) {
    kv_ = nullptr;
    return core::not_found(fmt::format("cluster names: no bucket {}", name));
  }
  if (s == NATS_NOT_FOUND) {
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = name.c_str();
    cfg.History = 1;
    cfg.Description = "wirt cluster process names (docs/cluster.md §7)";
    s = js_CreateKeyValue(&kv_, js_, &cfg);
  }
  if (s != NATS_OK) {
    kv_ = nullptr;
    return kv_error(s, fmt::format("bucket {} (is JetStream enabled on the NATS server? nats-server -js)", name));
  }
  return kv_;
}

bool Names::bucket_exists() {
  {
    std::lock_guard lk(bucket_mu_);
    if (kv_) return true;
  }
  bool exists = false;
  (void)run([&](kvStore*) -> core::Status {
    exists = true;
    return {};
  }, /*create=*/false);
  return exists;
}

core::Status Names::run(const std::function<core::Status(kvStore*)>& op, bool create) {
  auto work = [this, &op, create]() -> core::Status {
    auto kv = bucket(create);
    if (!kv) return std::move(kv).error();
    return op(*kv);
  };
  if (!sched::this_fiber::active()) return work();
  // On a fiber: the round trips run on the names thread while the fiber waits.
  struct Shared {
    std::mutex mu;
    std::optional<core::Status> result;
    sched::Waker waker;
  };
  auto shared = std::make_shared<Shared>();
  {
    std::lock_guard lk(mu_);
    tasks_.push_back([shared, work] {
      auto st = work();
      sched::Waker w;
      {
        std::lock_guard slk(shared->mu);
        shared->result = std::move(st);
        w = shared->waker;
      }
      if (w) w.wake();
    });
  }
  cv_.notify_one();
  for (;;) {
    sched::this_fiber::suspend([&](sched::Waker w) {
      std::lock_guard lk(shared->mu);
      if (shared->result) w.wake();
      else shared->waker = std::move(w);
    });
    std::lock_guard lk(shared->mu);
    if (shared->result) return std::move(*shared->result);
  }
}

core::Status Names::register_name(const std::string& name, const std::string& pid) {
  if (name.empty() || name.size() > kMaxName) {
    return core::invalid(fmt::format("process name must be 1 to {} bytes, got {}", kMaxName, name.size()));
  }
  core::Value holder = core::Value::map();
  holder.set("pid", pid);
  holder.set("node", node_->config().node);
  holder.set("inc", fmt::format("{:016x}", node_->incarnation()));
  auto body = encode(holder);
  if (!body) return std::move(body).error();
  std::string key = key_of(name);
  return run([&](kvStore* kv) -> core::Status {
    uint64_t rev = 0;
    natsStatus s = kvStore_Create(&rev, kv, key.c_str(), body->data(), static_cast<int>(body->size()));
    if (s == NATS_OK) return {};
    // The key exists: held (AlreadyExists), or released (an empty value: take it over with a
    // compare-and-set on the revision read, so only one of several contenders wins).
    EntryGuard g;
    natsStatus gs = kvStore_Get(&g.e, kv, key.c_str());
    if (gs == NATS_NOT_FOUND) return kv_error(s, fmt::format("registering {}", name));
    if (gs != NATS_OK) return kv_error(gs, fmt::format("registering {}", name));
    auto current = read_holder(g.e, name);
    if (!current) return std::move(current).error();
    if (*current) {
      return core::Error(core::ErrorKind::AlreadyExists,
                         fmt::format("process name {} is held by {} on node {}", name, (*current)->pid, (*current)->node));
    }
    s = kvStore_Update(&rev, kv, key.c_str(), body->data(), static_cast<int>(body->size()), kvEntry_Revision(g.e));
    if (s != NATS_OK) {
      return core::Error(core::ErrorKind::AlreadyExists, fmt::format("process name {} was taken meanwhile", name));
    }
    return {};
  });
}

core::Result<NameHolder> Names::lookup(const std::string& name) {
  std::optional<NameHolder> found;
  std::string key = key_of(name);
  WIRT_TRY(run([&](kvStore* kv) -> core::Status {
    EntryGuard g;
    natsStatus s = kvStore_Get(&g.e, kv, key.c_str());
    if (s == NATS_NOT_FOUND) return {};
    if (s != NATS_OK) return kv_error(s, fmt::format("looking up {}", name));
    auto h = read_holder(g.e, name);
    if (!h) return std::move(h).error();
    found = std::move(*h);
    return {};
  }));
  if (!found) return core::not_found(fmt::format("no process is registered as {}", name));
  return std::move(*found);
}

core::Status Names::release(const std::string& name, const std::string& pid) {
  std::string key = key_of(name);
  return run([&](kvStore* kv) -> core::Status {
    EntryGuard g;
    natsStatus s = kvStore_Get(&g.e, kv, key.c_str());
    if (s == NATS_NOT_FOUND) return core::not_found(fmt::format("no process is registered as {}", name));
    if (s != NATS_OK) return kv_error(s, fmt::format("releasing {}", name));
    auto h = read_holder(g.e, name);
    if (!h) return std::move(h).error();
    if (!*h || (*h)->pid != pid) return core::not_found(fmt::format("{} does not hold the name {}", pid, name));
    uint64_t rev = 0;
    s = kvStore_Update(&rev, kv, key.c_str(), "", 0, kvEntry_Revision(g.e));
    if (s != NATS_OK) return core::not_found(fmt::format("the name {} changed holder meanwhile", name));
    return {};
  });
}

void Names::release_own() {
  {
    std::lock_guard lk(bucket_mu_);
    if (!kv_) return;
  }
  if (auto r = release_node(node_->config().node, node_->incarnation()); !r) {
    core::log_warn("cluster: releasing this node's names: {}", r.error().message());
  }
}

core::Result<size_t> Names::release_node(const std::string& node, uint64_t inc) {
  size_t freed = 0;
  WIRT_TRY(run([&](kvStore* kv) -> core::Status {
    kvKeysList keys{};
    natsStatus s = kvStore_Keys(&keys, kv, nullptr);
    if (s == NATS_NOT_FOUND) return {};  // an empty bucket
    if (s != NATS_OK) return kv_error(s, "listing names");
    for (int i = 0; i < keys.Count; ++i) {
      EntryGuard g;
      if (kvStore_Get(&g.e, kv, keys.Keys[i]) != NATS_OK) continue;
      auto h = read_holder(g.e, keys.Keys[i]);
      if (!h || !*h || (*h)->node != node || (*h)->inc != inc) continue;
      uint64_t rev = 0;
      // Compare-and-set: a survivor that lost the race (or a name re-registered) is left alone.
      if (kvStore_Update(&rev, kv, keys.Keys[i], "", 0, kvEntry_Revision(g.e)) == NATS_OK) ++freed;
    }
    kvKeysList_Destroy(&keys);
    return {};
  }));
  return freed;
}

}  // namespace wirt::cluster

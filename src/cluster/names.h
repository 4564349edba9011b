// Cluster-wide process names (docs/cluster.md §7): a JetStream key-value bucket
// `wirt_names_<cluster>` with history 1. register() is a compare-and-set create, so two nodes
// can never both hold a name; release() and the release of a lost node's names are
// compare-and-set updates to an empty value on the revision read, so a name re-registered
// meanwhile is never taken from its new holder. An empty value reads as "no holder".
//
// Every node releases the names a lost peer held (docs/cluster.md §6): each survivor tries,
// the compare-and-set lets exactly one win, the others' attempts fail harmlessly.
//
// The libnats KV calls block on network round trips: on a fiber they run on this class's own
// thread while the fiber is suspended (never blocking a scheduler worker); on any other thread
// they run inline. Thread-safe.
#pragma once

#include <nats/nats.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/node.h"
#include "core/result.h"

namespace wirt::cluster {

struct NameHolder {
  std::string pid, node;
  uint64_t inc = 0;
};

class Names : public std::enable_shared_from_this<Names> {
 public:
  // Binds (creating when missing) the bucket on first use; releases lost peers' names.
  static std::shared_ptr<Names> start(std::shared_ptr<Node> node);
  ~Names();

  // AlreadyExists when another process (on any node) holds `name`; Unavailable when the
  // cluster has no JetStream or is disconnected; Invalid for an empty or oversized name.
  [[nodiscard]] core::Status register_name(const std::string& name, const std::string& pid);
  // The holder of `name`; NotFound when nobody holds it.
  core::Result<NameHolder> lookup(const std::string& name);
  // Releases `name` held by `pid`; NotFound when it does not hold it.
  [[nodiscard]] core::Status release(const std::string& name, const std::string& pid);
  // Releases every name held by node `node` incarnation `inc`; returns how many this call freed.
  core::Result<size_t> release_node(const std::string& node, uint64_t inc);

  // On a clean leave: releases this node's names if the bucket was ever used (no JetStream
  // round trip otherwise).
  void release_own();

  // The bucket's key for a name: bytes outside [A-Za-z0-9_-] as `=HH` (KV keys allow only
  // [-/_=.A-Za-z0-9]); injective.
  static std::string key_of(std::string_view name);

 private:
  explicit Names(std::shared_ptr<Node> node) : node_(std::move(node)) {}
  // Runs `op` with the bucket bound, off the fiber when called on one (see the header).
  core::Status run(const std::function<core::Status(kvStore*)>& op, bool create = true);
  // Binds the bucket (creating it when `create`); on the names thread (or inline).
  core::Result<kvStore*> bucket(bool create);
  // Whether the bucket exists (binding it when it does); never creates it.
  bool bucket_exists();
  void thread_loop();

  std::shared_ptr<Node> node_;
  std::mutex bucket_mu_;
  jsCtx* js_ = nullptr;
  kvStore* kv_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wirt::cluster

// A cluster node (docs/cluster.md §6, §9): the NATS connection (libnats, reconnecting), the
// heartbeat on `C.beat`, the membership table and the loss of peers.
//
// Threads: libnats delivers messages and connection events on its own threads. Those callbacks
// never run wirt code (Lua, WASM, user handlers): a subscription's MessageHandler must only hand
// the message over (post a fiber to the scheduler, wake a waiting fiber), and loss/disconnect
// listeners likewise. The heartbeat runs on one thread of the node's own. All public members are
// thread-safe. A Node is shared (fibers serving remote calls keep it alive until they finish);
// leave() ends its membership whoever still holds it.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cluster/config.h"
#include "cluster/subjects.h"
#include "core/result.h"
#include "core/value.h"

namespace wirt::cluster {

// Header names every message carries (docs/cluster.md §4).
inline constexpr const char* kHeaderVersion = "Wirt-V";
inline constexpr const char* kHeaderNode = "Wirt-Node";
inline constexpr const char* kHeaderInc = "Wirt-Inc";
inline constexpr const char* kHeaderKind = "Wirt-Kind";

// A delivered message, copied out of libnats so it can cross to a fiber.
struct Message {
  std::string subject, reply, data;
  std::string kind, node;  // Wirt-Kind, Wirt-Node ("" when absent)
  uint64_t inc = 0;        // Wirt-Inc (0 when absent or not a number)
  bool no_responders = false;
};

struct Member {
  std::string node;
  uint64_t inc = 0;
  std::chrono::steady_clock::time_point last_beat;
  int64_t serves = 0;
};

class Node {
 public:
  using MessageHandler = std::function<void(Message)>;
  // (node, incarnation, reason): the peer is gone; everything of that incarnation is lost.
  using LossListener = std::function<void(const std::string& node, uint64_t inc, const std::string& why)>;

  // Connects (retrying in the background when no server answers yet) and starts beating.
  static core::Result<std::shared_ptr<Node>> join(Config config);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Clean leave: a final `leaving` beat so peers act at once, then the connection closes and
  // no handler runs any more. Idempotent.
  void leave();

  const Config& config() const { return config_; }
  const Subjects& subjects() const { return subjects_; }
  uint64_t incarnation() const { return inc_; }
  bool connected() const { return connected_.load(); }
  // Waits (this thread; not for fibers) until connected or `timeout` passes.
  bool wait_connected(std::chrono::milliseconds timeout);

  // Subscribes `subject` (in queue group `queue` when not empty); the handler runs on a libnats
  // thread and must only hand the message over. `out`, when given, receives the subscription
  // for unsubscribe().
  using Subscription = natsSubscription*;
  [[nodiscard]] core::Status subscribe(const std::string& subject, const std::string& queue, MessageHandler handler,
                                       Subscription* out = nullptr);
  // Ends a subscription: no message is handed to its handler once this returns (one already
  // being handled finishes; the handler is kept alive until then).
  void unsubscribe(Subscription sub);
  // Publishes `body` with this node's headers; Unavailable when disconnected.
  [[nodiscard]] core::Status publish(const std::string& subject, const std::string& reply, const char* kind,
                                     const std::string& body);
  // Waits until the server has processed everything sent so far (subscriptions made), up to
  // `timeout`; false when disconnected or slower.
  bool flush(std::chrono::milliseconds timeout);
  // A fresh inbox prefix (`_INBOX.<nuid>`).
  std::string new_inbox() const;

  // The libnats connection, for JetStream (cluster/names.h); libnats calls on it are thread-safe.
  natsConnection* connection() const { return nc_; }

  void on_loss(LossListener l);
  void on_disconnect(std::function<void()> l);
  std::vector<Member> members() const;
  // Records a peer heard from outside heartbeats (a reply naming it) when its first beat has not
  // come yet, so that its silence from now on is judged as a loss like any member's.
  void heard_from(const std::string& node, uint64_t inc);
  // Whether `node` incarnation `inc` is a live member (not lost, not replaced by a restart).
  bool is_member(const std::string& node, uint64_t inc) const;
  void set_serves(int64_t n) { serves_.store(n); }

 private:
  // The closure libnats holds: it may outlive the Node (a callback already dequeued when the
  // connection closes), so it is never freed; leave() clears `node` under the write lock, which
  // waits for callbacks in progress.
  struct Gate {
    std::shared_mutex mu;
    Node* node = nullptr;
  };
  static void on_message(natsConnection*, natsSubscription* sub, natsMsg* msg, void* closure);
  static void on_disconnected(natsConnection*, void* closure);
  static void on_reconnected(natsConnection*, void* closure);
  static void on_connection_event(void* closure, bool up);

  explicit Node(Config config);
  void beat_loop();
  void handle_beat(const Message& m);
  void lose(const std::string& node, uint64_t inc, const std::string& why, bool clean);
  core::Status publish_beat(bool leaving);

  Config config_;
  Subjects subjects_;
  uint64_t inc_ = 0;
  Gate* gate_ = nullptr;
  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  std::atomic<bool> connected_{false};
  std::atomic<int64_t> serves_{0};

  std::shared_mutex subs_mu_;
  std::unordered_map<natsSubscription*, std::shared_ptr<MessageHandler>> handlers_;

  mutable std::mutex mu_;  // members_, listeners, leaving_
  std::condition_variable cv_;
  std::map<std::string, Member> members_;
  std::vector<LossListener> loss_listeners_;
  std::vector<std::function<void()>> disconnect_listeners_;
  bool leaving_ = false;
  bool warned_same_name_ = false;
  std::thread beat_thread_;
};

}  // namespace wirt::cluster

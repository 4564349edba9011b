#include "cluster/node.h"

#include <random>

#include <fmt/format.h>

#include "cluster/codec.h"
#include "core/log.h"

namespace wirt::cluster {

namespace {

using Clock = std::chrono::steady_clock;

// A node is lost after this many heartbeats without one from it (docs/cluster.md §6).
constexpr int kMissedBeats = 3;
// libnats reconnects forever, this often (docs/cluster.md §6).
constexpr int64_t kReconnectWaitMs = 250;

core::Error nats_error(natsStatus s, std::string_view what) {
  return core::unavailable(fmt::format("{}: {}", what, natsStatus_GetText(s)));
}

uint64_t random_incarnation() {
  std::random_device rd;
  uint64_t v = 0;
  while (v == 0) v = (uint64_t{rd()} << 32) ^ rd();
  return v;
}

}  // namespace

Node::Node(Config config) : config_(std::move(config)), subjects_{config_.name}, inc_(random_incarnation()) {}

core::Result<std::shared_ptr<Node>> Node::join(Config config) {
  std::shared_ptr<Node> n(new Node(std::move(config)));
  n->gate_ = new Gate;  // never freed: see Gate
  n->gate_->node = n.get();
  natsOptions* o = nullptr;
  if (natsStatus s = natsOptions_Create(&o); s != NATS_OK) return nats_error(s, "cluster: NATS options");
  n->opts_ = o;
  std::vector<const char*> urls;
  for (const auto& u : n->config_.servers) urls.push_back(u.c_str());
  natsStatus s = natsOptions_SetServers(o, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetName(o, fmt::format("wirt {}", n->config_.node).c_str());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, kReconnectWaitMs);
  if (s == NATS_OK) s = natsOptions_SetTimeout(o, 2000);
  // One delivery thread for every subscription (instead of one thread per served id): the
  // callbacks only hand messages over, so one thread keeps up.
  if (s == NATS_OK) s = natsOptions_UseGlobalMessageDelivery(o, true);
  // Calls are latency-bound request/replies: write each message at once instead of waking
  // libnats' flusher thread (one thread hop less each way; measured in bench/cluster).
  if (s == NATS_OK) s = natsOptions_SetSendAsap(o, true);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(o, &Node::on_disconnected, n->gate_);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(o, &Node::on_reconnected, n->gate_);
  if (s == NATS_OK && !n->config_.user.empty()) s = natsOptions_SetUserInfo(o, n->config_.user.c_str(), n->config_.password.c_str());
  if (s == NATS_OK && !n->config_.token.empty()) s = natsOptions_SetToken(o, n->config_.token.c_str());
  if (s == NATS_OK && !n->config_.credentials.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(o, n->config_.credentials.c_str(), nullptr);
    if (s != NATS_OK) return nats_error(s, fmt::format("cluster.credentials {}", n->config_.credentials));
  }
  if (s == NATS_OK && !n->config_.tls_ca.empty()) {
    s = natsOptions_SetSecure(o, true);
    if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(o, n->config_.tls_ca.c_str());
    if (s != NATS_OK) return nats_error(s, fmt::format("cluster.tls.ca {}", n->config_.tls_ca));
  }
  if (s == NATS_OK && !n->config_.tls_cert.empty()) {
    s = natsOptions_SetSecure(o, true);
    if (s == NATS_OK) s = natsOptions_LoadCertificatesChain(o, n->config_.tls_cert.c_str(), n->config_.tls_key.c_str());
    if (s != NATS_OK) return nats_error(s, fmt::format("cluster.tls.cert {}", n->config_.tls_cert));
  }
  if (s != NATS_OK) return nats_error(s, "cluster: NATS options");
  // First a plain attempt, so that a server that answers but refuses this node (credentials,
  // TLS) is a clear error at once instead of an endless background retry.
  s = natsConnection_Connect(&n->nc_, o);
  if (s == NATS_NO_SERVER) {
    // A node may start before its NATS server: it boots, serves locally and joins when it can.
    s = natsOptions_SetRetryOnFailedConnect(o, true, &Node::on_reconnected, n->gate_);
    if (s == NATS_OK) s = natsConnection_Connect(&n->nc_, o);
  } else if (s != NATS_OK) {
    const char* last = nats_GetLastError(nullptr);
    std::string auth = !n->config_.user.empty() ? "cluster.user/password" : !n->config_.token.empty() ? "cluster.token"
                       : !n->config_.credentials.empty() ? "cluster.credentials" : "no credentials configured";
    return core::unavailable(fmt::format("cluster: the NATS server at {} refused node {}: {}{} ({}{})",
                                         fmt::join(n->config_.servers, ","), n->config_.node, natsStatus_GetText(s),
                                         last && *last ? fmt::format(": {}", last) : "", auth,
                                         n->config_.tls_ca.empty() && n->config_.tls_cert.empty() ? "" : ", cluster.tls"));
  }
  if (s == NATS_OK) {
    n->connected_.store(true);
  } else if (s == NATS_NOT_YET_CONNECTED) {
    core::log_warn("cluster: no NATS server answers at {} yet; node {} keeps trying", fmt::join(n->config_.servers, ","),
                   n->config_.node);
  } else {
    return nats_error(s, fmt::format("cluster: connecting to {}", fmt::join(n->config_.servers, ",")));
  }
  WIRT_TRY(n->subscribe(n->subjects_.beat(), "", [raw = n.get()](Message m) { raw->handle_beat(m); }));
  n->beat_thread_ = std::thread([raw = n.get()] { raw->beat_loop(); });
  core::log_info("cluster: node {} (incarnation {:016x}) joined {} at {}", n->config_.node, n->inc_, n->config_.name,
                 fmt::join(n->config_.servers, ","));
  return n;
}

Node::~Node() {
  leave();
  if (nc_) natsConnection_Destroy(nc_);
  if (opts_) natsOptions_Destroy(opts_);
}

void Node::leave() {
  {
    std::lock_guard lk(mu_);
    if (leaving_) return;
    leaving_ = true;
  }
  cv_.notify_all();
  if (beat_thread_.joinable()) beat_thread_.join();
  if (nc_ && connected_.load()) {
    (void)publish_beat(true);
    natsConnection_FlushTimeout(nc_, 500);
  }
  if (gate_) {
    std::unique_lock lk(gate_->mu);  // waits for callbacks in progress
    gate_->node = nullptr;
  }
  {
    std::unique_lock lk(subs_mu_);
    for (auto& [sub, h] : handlers_) {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
    }
    handlers_.clear();
  }
  if (nc_) natsConnection_Close(nc_);
  connected_.store(false);
}

bool Node::wait_connected(std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (!connected_.load() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return connected_.load();
}

void Node::on_message(natsConnection*, natsSubscription* sub, natsMsg* msg, void* closure) {
  auto* gate = static_cast<Gate*>(closure);
  std::shared_lock lk(gate->mu);
  Node* self = gate->node;
  if (!self) {
    natsMsg_Destroy(msg);
    return;
  }
  Message m;
  m.subject = natsMsg_GetSubject(msg);
  if (const char* r = natsMsg_GetReply(msg)) m.reply = r;
  if (const char* d = natsMsg_GetData(msg)) m.data.assign(d, static_cast<size_t>(natsMsg_GetDataLength(msg)));
  m.no_responders = natsMsg_IsNoResponders(msg);
  const char* v = nullptr;
  if (natsMsgHeader_Get(msg, kHeaderKind, &v) == NATS_OK && v) m.kind = v;
  if (natsMsgHeader_Get(msg, kHeaderNode, &v) == NATS_OK && v) m.node = v;
  if (natsMsgHeader_Get(msg, kHeaderInc, &v) == NATS_OK && v) m.inc = std::strtoull(v, nullptr, 16);
  natsMsg_Destroy(msg);
  std::shared_ptr<MessageHandler> h;
  {
    std::shared_lock slk(self->subs_mu_);
    auto it = self->handlers_.find(sub);
    if (it != self->handlers_.end()) h = it->second;
  }
  // Held by this reference: unsubscribe() (a hot reload) may drop the map's meanwhile.
  if (h) (*h)(std::move(m));
}

void Node::on_connection_event(void* closure, bool up) {
  auto* gate = static_cast<Gate*>(closure);
  std::shared_lock lk(gate->mu);
  Node* self = gate->node;
  if (!self) return;
  self->connected_.store(up);
  if (up) {
    core::log_info("cluster: node {} connected to NATS", self->config_.node);
    (void)self->publish_beat(false);
    return;
  }
  core::log_warn("cluster: node {} lost its NATS connection; reconnecting", self->config_.node);
  std::vector<std::function<void()>> ls;
  {
    std::lock_guard mlk(self->mu_);
    ls = self->disconnect_listeners_;
  }
  for (auto& l : ls) l();
}

void Node::on_disconnected(natsConnection*, void* closure) { on_connection_event(closure, false); }

void Node::on_reconnected(natsConnection*, void* closure) { on_connection_event(closure, true); }

core::Status Node::subscribe(const std::string& subject, const std::string& queue, MessageHandler handler,
                             Subscription* out) {
  std::unique_lock lk(subs_mu_);
  natsSubscription* sub = nullptr;
  natsStatus s = queue.empty() ? natsConnection_Subscribe(&sub, nc_, subject.c_str(), &Node::on_message, gate_)
                               : natsConnection_QueueSubscribe(&sub, nc_, subject.c_str(), queue.c_str(), &Node::on_message, gate_);
  if (s != NATS_OK) return nats_error(s, fmt::format("cluster: subscribing {}", subject));
  // Registered under the lock the delivery callback takes, so no message finds it missing.
  handlers_.emplace(sub, std::make_shared<MessageHandler>(std::move(handler)));
  // A node that falls behind drops messages rather than growing without bound (callers time
  // out, as they would for a lost node).
  natsSubscription_SetPendingLimits(sub, 65536, 256 << 20);
  if (out) *out = sub;
  return {};
}

void Node::unsubscribe(Subscription sub) {
  std::unique_lock lk(subs_mu_);
  if (handlers_.erase(sub) == 0) return;  // gone already (leave())
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
}

core::Status Node::publish(const std::string& subject, const std::string& reply, const char* kind,
                           const std::string& body) {
  if (!connected_.load()) return core::unavailable("cluster disconnected");
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), reply.empty() ? nullptr : reply.c_str(), body.data(),
                                static_cast<int>(body.size()));
  char inc[17];
  fmt::format_to_n(inc, sizeof inc - 1, "{:016x}", inc_);
  inc[16] = 0;
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kHeaderVersion, "1");
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kHeaderNode, config_.node.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kHeaderInc, inc);
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kHeaderKind, kind);
  if (s == NATS_OK) s = natsConnection_PublishMsg(nc_, msg);
  natsMsg_Destroy(msg);
  if (s != NATS_OK) return nats_error(s, fmt::format("cluster: publishing on {}", subject));
  return {};
}

bool Node::flush(std::chrono::milliseconds timeout) {
  return connected_.load() && natsConnection_FlushTimeout(nc_, timeout.count()) == NATS_OK;
}

std::string Node::new_inbox() const {
  natsInbox* inbox = nullptr;
  std::string out;
  if (natsInbox_Create(&inbox) == NATS_OK) out = inbox;
  natsInbox_Destroy(inbox);
  return out;
}

void Node::on_loss(LossListener l) {
  std::lock_guard lk(mu_);
  loss_listeners_.push_back(std::move(l));
}

void Node::on_disconnect(std::function<void()> l) {
  std::lock_guard lk(mu_);
  disconnect_listeners_.push_back(std::move(l));
}

std::vector<Member> Node::members() const {
  std::lock_guard lk(mu_);
  std::vector<Member> out;
  for (const auto& [name, m] : members_) out.push_back(m);
  return out;
}

void Node::heard_from(const std::string& node, uint64_t inc) {
  if (node.empty() || inc == 0 || node == config_.node) return;
  std::lock_guard lk(mu_);
  auto [it, added] = members_.try_emplace(node);
  if (!added) return;  // its beats keep it
  it->second.node = node;
  it->second.inc = inc;
  it->second.last_beat = Clock::now();
}

bool Node::is_member(const std::string& node, uint64_t inc) const {
  std::lock_guard lk(mu_);
  auto it = members_.find(node);
  return it != members_.end() && it->second.inc == inc;
}

core::Status Node::publish_beat(bool leaving) {
  core::Value beat = core::Value::map();
  beat.set("node", config_.node);
  beat.set("inc", fmt::format("{:016x}", inc_));
  if (leaving) beat.set("leaving", true);
  else beat.set("serves", serves_.load());
  auto body = encode(beat);
  if (!body) return std::move(body).error();
  return publish(subjects_.beat(), "", "beat", *body);
}

void Node::beat_loop() {
  std::unique_lock lk(mu_);
  while (!leaving_) {
    lk.unlock();
    if (connected_.load()) (void)publish_beat(false);
    // Peers silent for kMissedBeats heartbeats are lost. While this node is disconnected it
    // hears nobody: it does not judge then (peers reappear or are judged after reconnecting).
    std::vector<std::pair<std::string, uint64_t>> silent;
    if (connected_.load()) {
      std::lock_guard mlk(mu_);
      auto limit = Clock::now() - config_.heartbeat * kMissedBeats;
      for (const auto& [name, m] : members_)
        if (m.last_beat < limit) silent.emplace_back(name, m.inc);
    }
    for (const auto& [name, inc] : silent)
      lose(name, inc, fmt::format("no heartbeat for {}", core::format_duration(config_.heartbeat * kMissedBeats)), false);
    lk.lock();
    cv_.wait_for(lk, config_.heartbeat, [&] { return leaving_; });
  }
}

void Node::handle_beat(const Message& m) {
  auto beat = decode(m.data, fmt::format("heartbeat from {}", m.node), config_.max_message);
  if (!beat || !beat->is_map()) {
    core::log_warn("cluster: a malformed heartbeat from node \"{}\": {}", m.node, beat ? "not a map" : beat.error().message());
    return;
  }
  std::string node = beat->get_string("node");
  uint64_t inc = std::strtoull(beat->get_string("inc").c_str(), nullptr, 16);
  if (node.empty() || inc == 0) return;
  if (node == config_.node) {
    if (inc != inc_) {
      std::lock_guard lk(mu_);
      if (!warned_same_name_) core::log_warn("cluster: another node also calls itself {}: node names must be unique", node);
      warned_same_name_ = true;
    }
    return;
  }
  const core::Value* leaving = beat->find("leaving");
  if (leaving && leaving->truthy()) {
    lose(node, inc, "left the cluster", true);
    return;
  }
  uint64_t old_inc = 0;
  {
    std::lock_guard lk(mu_);
    auto it = members_.find(node);
    if (it != members_.end() && it->second.inc != inc) old_inc = it->second.inc;
    Member& mem = members_[node];
    if (old_inc == 0 && mem.inc == 0) core::log_info("cluster: node {} joined", node);
    mem.node = node;
    mem.inc = inc;
    mem.last_beat = Clock::now();
    const core::Value* serves = beat->find("serves");
    mem.serves = serves && serves->is_int() ? serves->as_int() : 0;
  }
  // A new incarnation: the node restarted, and everything of the old one is gone.
  if (old_inc != 0) {
    std::vector<LossListener> ls;
    {
      std::lock_guard lk(mu_);
      ls = loss_listeners_;
    }
    core::log_warn("cluster: node {} restarted (incarnation {:016x} lost)", node, old_inc);
    for (auto& l : ls) l(node, old_inc, "restarted");
  }
}

void Node::lose(const std::string& node, uint64_t inc, const std::string& why, bool clean) {
  std::vector<LossListener> ls;
  {
    std::lock_guard lk(mu_);
    auto it = members_.find(node);
    if (it != members_.end() && it->second.inc == inc) members_.erase(it);
    ls = loss_listeners_;
  }
  // A clean leave is routine (every `wirt call` client leaves); a silent loss is worth a warning.
  if (clean) core::log_info("cluster: node {} {}", node, why);
  else core::log_warn("cluster: node {} lost: {}", node, why);
  for (auto& l : ls) l(node, inc, why);
}

}  // namespace wirt::cluster

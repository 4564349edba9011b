#include "cluster/remote_calls.h"

#include <unordered_set>

#include <fmt/format.h>

#include "cluster/codec.h"
#include "core/log.h"

namespace wirt::cluster {

namespace {

using Clock = sched::CallContext::Clock;

// How long a caller waits for some node to take its call (docs/cluster.md §4): a request that
// no live node acknowledges within this fails Unavailable instead of waiting for the deadline.
constexpr std::chrono::seconds kAckWait{2};

core::Value ok_reply(core::Value v) {
  core::Value r = core::Value::map();
  r.set("ok", std::move(v));
  return r;
}

core::Value err_reply(const core::Error& e) {
  core::Value r = core::Value::map();
  r.set("err", error_to_value(e));
  return r;
}

// The request fields a callee needs, checked (docs/cluster.md §4 "Limits on receipt").
struct Request {
  std::string id;
  core::Array args;
  sched::CallContext ctx;
};

core::Result<Request> parse_request(const core::Value& body, std::string_view from) {
  auto bad = [&](std::string_view what) {
    return core::invalid(fmt::format("call request from node {}: {}", from, what));
  };
  if (!body.is_map()) return bad("the body is not a map");
  Request r;
  const core::Value* id = body.find("id");
  if (!id || !id->is_string() || id->as_string().empty()) return bad("id: expected a non-empty string");
  r.id = id->as_string();
  const core::Value* args = body.find("args");
  if (!args || !args->is_array()) return bad("args: expected an array");
  r.args = args->as_array();
  if (auto st = read_context(body, r.ctx); !st) return bad(st.error().message());
  return r;
}

}  // namespace

core::Value error_to_value(const core::Error& e) {
  core::Value v = core::Value::map();
  v.set("kind", std::string(core::kind_name(e.kind())));
  v.set("message", e.message());
  if (auto r = e.retryable()) v.set("retryable", *r);
  if (const core::Value* d = e.details()) v.set("details", *d);
  return v;
}

core::Error error_from_value(const core::Value& v, std::string_view from) {
  if (!v.is_map()) return core::internal(fmt::format("node {} answered with a malformed error", from));
  core::Error e(core::kind_from_name(v.get_string("kind")), v.get_string("message"));
  if (const core::Value* r = v.find("retryable"); r && r->is_bool()) e.with_retryable(r->as_bool());
  if (const core::Value* d = v.find("details"); d && !d->is_nil()) e.with_details(*d);
  return e;
}

core::Status write_context(const sched::CallContext& callee, core::Value& req) {
  if (callee.deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*callee.deadline - Clock::now()).count();
    if (left <= 0) return core::timeout("deadline exceeded");
    req.set("budget_ms", static_cast<int64_t>(left));
  }
  if (callee.actor) {
    core::Value a = core::Value::map();
    a.set("id", callee.actor->id);
    a.set("meta", callee.actor->meta);
    req.set("actor", std::move(a));
  }
  if (callee.scope) {
    core::Array s;
    for (const auto& p : *callee.scope) s.emplace_back(p);
    req.set("scope", core::Value(std::move(s)));
  }
  req.set("ctx", callee.values);
  // The callee forks again: carry the caller's depth so a call ping-ponging between nodes
  // still ends at kMaxCallDepth.
  req.set("depth", static_cast<int64_t>(std::max(0, callee.depth - 1)));
  return {};
}

core::Status read_context(const core::Value& body, sched::CallContext& ctx) {
  if (const core::Value* b = body.find("budget_ms"); b && !b->is_nil()) {
    if (!b->is_int()) return core::invalid("budget_ms: expected an integer or nil");
    ctx.deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, b->as_int()));
  }
  if (const core::Value* a = body.find("actor"); a && !a->is_nil()) {
    const core::Value* aid = a->find("id");
    if (!a->is_map() || !aid || !aid->is_string()) return core::invalid("actor: expected {id, meta} or nil");
    sched::Actor actor{aid->as_string()};
    if (const core::Value* meta = a->find("meta"); meta && meta->is_map()) actor.meta = *meta;
    ctx.actor = std::move(actor);
  }
  if (const core::Value* s = body.find("scope"); s && !s->is_nil()) {
    if (!s->is_array()) return core::invalid("scope: expected a list of policy ids or nil");
    std::vector<std::string> scope;
    for (const auto& p : s->as_array()) {
      if (!p.is_string()) return core::invalid("scope: expected a list of policy ids");
      scope.push_back(p.as_string());
    }
    ctx.scope = std::move(scope);
  }
  if (const core::Value* c = body.find("ctx"); c && !c->is_nil()) {
    if (!c->is_map()) return core::invalid("ctx: expected a map");
    ctx.values = *c;
  }
  if (const core::Value* d = body.find("depth"); d && !d->is_nil()) {
    if (!d->is_int() || d->as_int() < 0) return core::invalid("depth: expected a non-negative integer");
    ctx.depth = static_cast<int>(std::min<int64_t>(d->as_int(), sched::kMaxCallDepth));
  }
  return {};
}

struct RemoteCalls::Pending {
  std::string what;        // "the call to ID", for errors
  std::string not_served;  // the NotFound message for a no-responders status
  std::mutex mu;
  sched::Waker waker;
  bool acked = false;
  std::string acked_node;
  uint64_t acked_inc = 0;
  bool done = false;
  std::string reply;                  // the reply body (decoded on the caller's fiber)
  std::optional<core::Error> failure; // set instead of reply
};

core::Result<std::shared_ptr<RemoteCalls>> RemoteCalls::start(std::shared_ptr<Node> node, sched::Scheduler* scheduler,
                                                               const sched::FunctionTable* functions,
                                                               const sched::Policies* policies) {
  std::shared_ptr<RemoteCalls> rc(new RemoteCalls());
  rc->node_ = std::move(node);
  rc->scheduler_ = scheduler;
  rc->functions_ = functions;
  rc->policies_ = policies;
  rc->inbox_ = rc->node_->new_inbox();
  if (rc->inbox_.empty()) return core::internal("cluster: cannot make a reply inbox");
  std::weak_ptr<RemoteCalls> weak = rc;
  WIRT_TRY(rc->node_->subscribe(rc->inbox_ + ".*", "", [weak](Message m) {
    if (auto self = weak.lock()) self->handle_response(std::move(m));
  }));
  rc->node_->on_loss([weak](const std::string& n, uint64_t inc, const std::string& why) {
    if (auto self = weak.lock()) self->fail_acked_by(n, inc, why);
  });
  rc->node_->on_disconnect([weak] {
    if (auto self = weak.lock()) self->fail_all(core::unavailable("cluster disconnected"));
  });
  return rc;
}

RemoteCalls::~RemoteCalls() = default;

core::Status RemoteCalls::serve(const std::vector<std::string>& ids) {
  std::lock_guard serving(serve_mu_);
  const std::unordered_set<std::string> wanted(ids.begin(), ids.end());
  // Withdrawn first, so a failure below leaves no id served that should not be.
  for (auto it = call_subs_.begin(); it != call_subs_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    {
      std::lock_guard lk(mu_);
      served_.erase(it->first);
    }
    node_->unsubscribe(it->second);
    it = call_subs_.erase(it);
  }
  std::weak_ptr<RemoteCalls> weak = weak_from_this();
  core::Status result;
  for (const auto& id : wanted) {
    if (call_subs_.count(id)) continue;
    Node::Subscription sub = nullptr;
    auto st = serve_requests(node_->subjects().call(id), node_->subjects().call_queue(), [weak](const Message& m) {
      auto self = weak.lock();
      if (!self) return core::Result<core::Value>(core::unavailable("node leaving"));
      return self->handle_call(m);
    }, &sub);
    if (!st) {
      result = std::move(st);
      break;
    }
    call_subs_.emplace(id, sub);
    std::lock_guard lk(mu_);
    served_.insert(id);
  }
  node_->set_serves(static_cast<int64_t>(call_subs_.size()));
  return result;
}

core::Status RemoteCalls::serve_requests(const std::string& subject, const std::string& queue, RequestHandler handler,
                                         Node::Subscription* out) {
  std::weak_ptr<RemoteCalls> weak = weak_from_this();
  auto shared = std::make_shared<RequestHandler>(std::move(handler));
  return node_->subscribe(subject, queue, [weak, shared](Message m) {
    // Hand over, then ack: the request runs on a fiber like any other. The ack is sent here,
    // not from the fiber, so busy workers cannot delay it past the caller's no-ack bound and
    // make a live node look absent; it is sent after the hand-over so that a worker starts the
    // call while this thread writes the ack (the ack is off a quick call's round trip; a reply
    // that overtakes its ack is accepted by the caller, docs/cluster.md §4).
    auto self = weak.lock();
    if (!self) return;
    std::string reply = m.reply;
    self->scheduler_->spawn([self, shared, m = std::move(m)] {
      self->answer(m, (*shared)(m));
    });
    self->ack(reply);
  }, out);
}

void RemoteCalls::answer(const Message& m, const core::Result<core::Value>& r) {
  if (m.reply.empty()) return;
  auto body = encode(r ? ok_reply(*r) : err_reply(r.error()), node_->config().max_message);
  if (!body) body = encode(err_reply(body.error()));
  if (body) (void)node_->publish(m.reply, "", "reply", *body);
}

void RemoteCalls::ack(const std::string& reply) {
  if (reply.empty()) return;
  // The ack names the node that holds the call, so the caller fails it when this node is lost.
  // Its body never changes: encoded once.
  std::call_once(ack_once_, [this] {
    core::Value ack = core::Value::map();
    ack.set("node", node_->config().node);
    ack.set("inc", fmt::format("{:016x}", node_->incarnation()));
    if (auto body = encode(ack)) ack_body_ = std::move(*body);
  });
  (void)node_->publish(reply, "", "ack", ack_body_);
}

core::Error refuse(const Message& m, core::Error e) {
  core::log_warn("cluster: refused a request from node {}: {}", m.node.empty() ? "?" : m.node, e.message());
  return e;
}

core::Result<core::Value> RemoteCalls::handle_call(const Message& m) {
  const std::string from = m.node.empty() ? "?" : m.node;
  auto body = decode(m.data, fmt::format("call request from node {}", from), node_->config().max_message);
  if (!body) return refuse(m, std::move(body).error());
  auto req = parse_request(*body, from);
  if (!req) return refuse(m, std::move(req).error());
  // The subject and the body must name the same id, and it must be one this node serves.
  std::string prefix = node_->subjects().call_queue() + ".";
  auto subject_id = unescape_token(std::string_view(m.subject).substr(std::min(prefix.size(), m.subject.size())));
  if (!subject_id || *subject_id != req->id) {
    return refuse(m, core::invalid(fmt::format("call request names {} on subject {}", req->id, m.subject)));
  }
  bool served = false;
  {
    std::lock_guard lk(mu_);
    served = served_.count(req->id) != 0;
  }
  if (!served || !functions_->contains(req->id)) {
    return refuse(m, core::not_found(fmt::format("function {} is not served by node {}", req->id, node_->config().node)));
  }
  // The callee enforces (docs/cluster.md §5, §8): funcs.call on the id under the carried actor/scope.
  if (auto st = policies_->check(req->ctx, "funcs.call", req->id); !st) return std::move(st).error();
  return functions_->call(req->ctx, req->id, req->args);
}

void RemoteCalls::handle_response(Message m) {
  size_t dot = m.subject.rfind('.');
  uint64_t seq = dot == std::string::npos ? 0 : std::strtoull(m.subject.c_str() + dot + 1, nullptr, 10);
  std::shared_ptr<Pending> p;
  {
    std::lock_guard lk(mu_);
    auto it = pending_.find(seq);
    if (it == pending_.end()) return;  // answered already, or timed out
    p = it->second;
  }
  sched::Waker wake;
  {
    std::lock_guard lk(p->mu);
    if (p->done) return;
    if (m.no_responders) {
      p->failure = core::not_found(p->not_served);
    } else if (m.kind == "ack") {
      if (!p->acked) {
        p->acked = true;
        p->acked_node = m.node;
        p->acked_inc = m.inc;
      }
      return;
    } else if (m.kind == "reply") {
      // Replies from a node other than the acking one are ignored (docs/cluster.md §8).
      if (p->acked && (m.node != p->acked_node || m.inc != p->acked_inc)) {
        core::log_warn("cluster: ignored a reply for {} from node {} (node {} took it)", p->what, m.node, p->acked_node);
        return;
      }
      if (!p->acked) {
        // The callee acks after handing the call over, so a quick reply may overtake its ack:
        // the reply's own headers name the node that took the call (a remote spawn's PID must
        // name it).
        p->acked = true;
        p->acked_node = m.node;
        p->acked_inc = m.inc;
      }
      p->reply = std::move(m.data);
    } else {
      return;
    }
    p->done = true;
    wake = p->waker;
  }
  if (wake) wake.wake();
}

void RemoteCalls::fail_where(const std::function<std::optional<core::Error>(const Pending&)>& failure_of) {
  std::vector<std::shared_ptr<Pending>> all;
  {
    std::lock_guard lk(mu_);
    for (auto& [seq, p] : pending_) all.push_back(p);
  }
  for (auto& p : all) {
    sched::Waker wake;
    {
      std::lock_guard lk(p->mu);
      if (p->done) continue;
      auto failure = failure_of(*p);
      if (!failure) continue;
      p->failure = std::move(failure);
      p->done = true;
      wake = p->waker;
    }
    if (wake) wake.wake();
  }
}

void RemoteCalls::fail_acked_by(const std::string& node, uint64_t inc, const std::string& why) {
  fail_where([&](const Pending& p) -> std::optional<core::Error> {
    if (!p.acked || p.acked_node != node || p.acked_inc != inc) return std::nullopt;
    return core::unavailable(fmt::format("node {} lost during {}: {}", node, p.what, why));
  });
}

void RemoteCalls::fail_all(const core::Error& e) {
  fail_where([&](const Pending& p) -> std::optional<core::Error> {
    return core::Error(e).wrap(p.what);
  });
}

core::Result<core::Value> RemoteCalls::call(const sched::CallContext& callee, const std::string& id,
                                            const core::Array& args) {
  core::Value req = core::Value::map();
  req.set("id", id);
  req.set("args", core::Value(args));
  if (auto st = write_context(callee, req); !st) return std::move(st).error().wrap(fmt::format("calling {}", id));
  return request(node_->subjects().call(id), req, fmt::format("the call to {}", id),
                 fmt::format("function {} is not served by any node", id), callee.deadline);
}

core::Result<core::Value> RemoteCalls::request(const std::string& subject, const core::Value& req, const std::string& what,
                                               const std::string& not_served, const sched::Deadline& deadline,
                                               Responder* responder) {
  if (!node_->connected()) return core::unavailable(fmt::format("cluster disconnected: cannot make {}", what));
  if (!sched::this_fiber::active()) return core::internal(fmt::format("{} outside a fiber", what));
  auto body = encode(req, node_->config().max_message);
  if (!body) return std::move(body).error().wrap(fmt::format("arguments of {}", what));

  auto p = std::make_shared<Pending>();
  p->what = what;
  p->not_served = not_served;
  uint64_t seq;
  {
    std::lock_guard lk(mu_);
    seq = next_++;
    pending_.emplace(seq, p);
  }
  struct Unregister {
    RemoteCalls* self;
    uint64_t seq;
    ~Unregister() {
      std::lock_guard lk(self->mu_);
      self->pending_.erase(seq);
    }
  } unregister{this, seq};
  if (auto st = node_->publish(subject, fmt::format("{}.{}", inbox_, seq), "call", *body); !st) {
    return std::move(st).error().wrap(what);
  }
  const auto ack_by = Clock::now() + kAckWait;
  for (;;) {
    sched::Deadline until = deadline;
    {
      std::lock_guard lk(p->mu);
      if (p->done) break;
      if (!p->acked && (!until || ack_by < *until)) until = ack_by;
    }
    bool woken = sched::this_fiber::suspend_until(
        [&](sched::Waker w) {
          std::lock_guard lk(p->mu);
          if (p->done) w.wake();
          else p->waker = std::move(w);
        },
        until);
    if (woken) continue;
    std::lock_guard lk(p->mu);
    if (p->done) break;
    auto now = Clock::now();
    if (deadline && now >= *deadline) {
      p->done = true;
      p->failure = core::timeout(fmt::format("deadline exceeded waiting for {} (remote{})", what,
                                             p->acked ? " on node " + p->acked_node : ""));
      break;
    }
    if (!p->acked && now >= ack_by) {
      p->done = true;
      p->failure = core::unavailable(fmt::format("no node answered for {} within {}s", what, kAckWait.count()));
      break;
    }
  }
  std::lock_guard lk(p->mu);
  if (p->failure) return *p->failure;
  if (responder) *responder = {p->acked_node, p->acked_inc};
  auto reply = decode(p->reply, fmt::format("reply from node {} for {}", p->acked_node, what), node_->config().max_message);
  if (!reply) return std::move(reply).error();
  if (const core::Value* ok = reply->find("ok")) return *ok;
  if (const core::Value* err = reply->find("err")) return error_from_value(*err, p->acked_node);
  return core::internal(fmt::format("node {} answered {} with neither ok nor err", p->acked_node, what));
}

}  // namespace wirt::cluster

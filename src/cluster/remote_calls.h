// Remote function calls over NATS (docs/cluster.md §4, §5).
//
// Callee side: serve() subscribes `C.call.<escaped id>` in queue group `C.call` for every id
// given, so NATS load-balances requests among the nodes serving an id. A request is handed to
// the scheduler and runs on a fiber exactly as a local funcs.call: the carried actor, scope,
// context values and deadline (now + budget), the funcs.call permission check under them (the
// callee enforces; the caller's node is not trusted to have checked), pool limits and
// interruption as usual. It answers on the request's reply subject with an ack, then a reply.
//
// Caller side: call() is the FunctionTable fallback for ids not registered locally. It
// publishes the request with a reply subject on this node's inbox and suspends the calling
// fiber (never a worker thread) until the reply, the deadline (Timeout), a missing ack within
// min(budget, 2 s) (Unavailable), a no-responders status (NotFound), the loss of the acking
// node (Unavailable) or the loss of the NATS connection (Unavailable).
//
// Thread-safety: all members may be called from any fiber; the libnats callbacks only store a
// result and wake a fiber, or post a fiber.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "cluster/node.h"
#include "core/result.h"
#include "core/value.h"
#include "sched/call_context.h"
#include "sched/functions.h"
#include "sched/scheduler.h"
#include "sched/security.h"

namespace wirt::cluster {

class RemoteCalls : public std::enable_shared_from_this<RemoteCalls> {
 public:
  // `functions` and `policies` must outlive the fibers of served calls (the app owns them and
  // stops its scheduler after the node leaves).
  static core::Result<std::shared_ptr<RemoteCalls>> start(std::shared_ptr<Node> node, sched::Scheduler* scheduler,
                                                          const sched::FunctionTable* functions,
                                                          const sched::Policies* policies);
  ~RemoteCalls();

  // Makes `ids` exactly the ids this node serves (docs/cluster.md §3): subscribes the new ones,
  // unsubscribes those no longer given (a hot reload removed them or made them local). A
  // request for an id no longer served that was already in flight is refused (NotFound).
  // Safe from any thread; calls are serialised.
  [[nodiscard]] core::Status serve(const std::vector<std::string>& ids);
  // Calls `id` on a node that serves it; `callee` is the context forked for the callee.
  core::Result<core::Value> call(const sched::CallContext& callee, const std::string& id, const core::Array& args);

  // The general request/reply both calls and remote spawns use (docs/cluster.md §4): publishes
  // `req` on `subject` and waits (suspending the fiber) for the ack and the `{ok}`/`{err}`
  // reply, with the same deadline, no-ack, no-responders (`not_served`) and loss rules.
  // `what` names the request in errors ("the call to ID"). `responder` gets the answering node.
  struct Responder {
    std::string node;
    uint64_t inc = 0;
  };
  core::Result<core::Value> request(const std::string& subject, const core::Value& req, const std::string& what,
                                    const std::string& not_served, const sched::Deadline& deadline,
                                    Responder* responder = nullptr);
  // Serves requests on `subject` (queue group `queue`): each is acked at once, then `handler`
  // runs on a fiber and its result is the reply.
  using RequestHandler = std::function<core::Result<core::Value>(const Message&)>;
  [[nodiscard]] core::Status serve_requests(const std::string& subject, const std::string& queue, RequestHandler handler,
                                            Node::Subscription* out = nullptr);
  const std::shared_ptr<Node>& node() const { return node_; }

  struct Pending;

 private:
  RemoteCalls() = default;
  void ack(const std::string& reply);
  void answer(const Message& m, const core::Result<core::Value>& r);
  core::Result<core::Value> handle_call(const Message& m);
  void handle_response(Message m);
  void fail_acked_by(const std::string& node, uint64_t inc, const std::string& why);
  void fail_all(const core::Error& e);
  // Fails (and wakes) every pending call for which failure_of gives an error.
  void fail_where(const std::function<std::optional<core::Error>(const Pending&)>& failure_of);

  std::shared_ptr<Node> node_;
  sched::Scheduler* scheduler_ = nullptr;
  const sched::FunctionTable* functions_ = nullptr;
  const sched::Policies* policies_ = nullptr;
  std::string inbox_;  // replies come to inbox_ + "." + call number
  std::once_flag ack_once_;
  std::string ack_body_;  // this node's ack (node, incarnation): the same for every request
  std::mutex serve_mu_;  // serialises serve(); held while subscribing (never inside mu_)
  std::unordered_map<std::string, Node::Subscription> call_subs_;  // served id → its subscription
  std::unordered_set<std::string> served_;  // the ids of call_subs_, read under mu_ by handle_call

  std::mutex mu_;
  uint64_t next_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Pending>> pending_;
};

// The calling context a request carries (deadline as a relative budget, actor, scope, context
// values, depth; docs/cluster.md §4) written into / read from a request map. write_context is
// Timeout when the deadline has passed; read_context Invalid naming the bad field.
core::Status write_context(const sched::CallContext& callee, core::Value& req);
core::Status read_context(const core::Value& body, sched::CallContext& ctx);

// Logs a refused request (malformed, not served) naming its sender, and returns `e` as the reply.
core::Error refuse(const Message& m, core::Error e);

// The wire form of an error (kind, message, retryable, details) and back; the kind survives.
core::Value error_to_value(const core::Error& e);
core::Error error_from_value(const core::Value& v, std::string_view from);

}  // namespace wirt::cluster

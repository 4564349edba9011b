// Security policies and permission checks (reference-platform §5).
//
// A policy (`security.policy` entry) matches actions and resources by pattern ("*", a prefix
// ending in "*", or an exact name) and optional conditions, and yields its effect (allow/deny)
// or Undefined. A scope is a set of policy ids: any Deny wins, else any Allow, else Undefined.
// A platform check with an actor AND a scope is allowed iff the scope evaluates to Allow; with
// either missing it is allowed unless strict mode is on (reference-platform §5 "Platform
// permission check").
//
// Thread-safety: Policies is filled at boot and read-only afterwards.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "registry/entry.h"
#include "sched/call_context.h"

namespace wirt::sched {

enum class Decision { Allow, Deny, Undefined };

struct Policy {
  std::string id;
  std::vector<std::string> actions, resources;
  bool allow = true;
  core::Value conditions = core::Value::array();  // [{field, operator, value | value_from}]
};

class Policies {
 public:
  // Validates a security.policy entry and adds it.
  core::Status add(const registry::Entry& entry);
  const Policy* find(const std::string& id) const;
  void set_strict(bool strict) { strict_ = strict; }
  bool strict() const { return strict_; }

  Decision evaluate(const std::vector<std::string>& scope, const Actor& actor, const std::string& action,
                    const std::string& resource, const core::Value& meta) const;
  // The platform check used by funcs.call, process.spawn, ...
  bool allowed(const CallContext& ctx, const std::string& action, const std::string& resource,
               const core::Value& meta = core::Value::map()) const;
  // A PermissionDenied error "not allowed: <resource>" unless allowed.
  core::Status check(const CallContext& ctx, const std::string& action, const std::string& resource) const;

 private:
  std::map<std::string, Policy> policies_;
  bool strict_ = false;
};

const char* decision_name(Decision d);

// The identity a service runs as: `lifecycle.security` of http.service and process.service
// entries (reference-platform §5 "Service identity"): an actor {id, meta} and a scope made of
// `policies` plus `groups` (ids relative to the entry's namespace). No scope field → no scope.
struct ServiceIdentity {
  std::optional<Actor> actor;
  std::optional<std::vector<std::string>> scope;
};
// `security` is the lifecycle.security value (nil or absent → empty identity). Errors are
// Invalid and name the field ("lifecycle.security.actor.id is required (a string)").
core::Result<ServiceIdentity> parse_service_identity(const core::Value* security, const registry::Entry& entry);

}  // namespace wirt::sched

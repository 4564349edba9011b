#include "sched/security.h"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

namespace wirt::sched {

namespace {

// "*" matches all; a trailing "*" is a prefix match; otherwise exact (so "*.read" is exact,
// as in the reference: reference-platform §10.13).
bool matches(const std::string& pattern, const std::string& text) {
  if (pattern == "*") return true;
  if (!pattern.empty() && pattern.back() == '*') return text.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0;
  return pattern == text;
}

bool any_matches(const std::vector<std::string>& patterns, const std::string& text) {
  for (const auto& p : patterns)
    if (matches(p, text)) return true;
  return false;
}

core::Result<std::vector<std::string>> pattern_list(const core::Value* v, const char* field) {
  std::vector<std::string> out;
  if (!v) return core::invalid(fmt::format("policy.{} is required", field));
  if (v->is_string()) {
    out.push_back(v->as_string());
    return out;
  }
  if (v->is_array()) {
    for (const auto& e : v->as_array()) {
      if (!e.is_string()) return core::invalid(fmt::format("policy.{} must be strings", field));
      out.push_back(e.as_string());
    }
    return out;
  }
  return core::invalid(fmt::format("policy.{} must be a string or a list of strings", field));
}

bool compare(const std::string& op, const core::Value* left, const core::Value& right) {
  if (op == "exists") return left && !left->is_nil();
  if (op == "nexists") return !left || left->is_nil();
  if (!left) return op == "ne" || op == "nin" || op == "ncontains" || op == "nmatches";
  auto num = [](const core::Value& v) { return v.as_number(); };
  if (op == "eq") return left->is_number() && right.is_number() ? num(*left) == num(right) : *left == right;
  if (op == "ne") return !(left->is_number() && right.is_number() ? num(*left) == num(right) : *left == right);
  if (op == "lt" || op == "gt" || op == "lte" || op == "gte") {
    if (!left->is_number() || !right.is_number()) return false;
    double a = num(*left), b = num(right);
    return op == "lt" ? a < b : op == "gt" ? a > b : op == "lte" ? a <= b : a >= b;
  }
  if (op == "in" || op == "nin") {
    bool found = false;
    if (right.is_array())
      for (const auto& e : right.as_array()) found = found || e == *left;
    return op == "in" ? found : !found;
  }
  if (op == "contains" || op == "ncontains") {
    bool found = false;
    if (left->is_array())
      for (const auto& e : left->as_array()) found = found || e == right;
    else if (left->is_string() && right.is_string())
      found = left->as_string().find(right.as_string()) != std::string::npos;
    return op == "contains" ? found : !found;
  }
  if (op == "matches" || op == "nmatches") {
    if (!left->is_string() || !right.is_string()) return op == "nmatches";
    bool m = false;
    try {
      m = std::regex_search(left->as_string(), std::regex(right.as_string()));
    } catch (const std::regex_error&) {
      m = false;
    }
    return op == "matches" ? m : !m;
  }
  return false;
}

}  // namespace

const char* decision_name(Decision d) {
  switch (d) {
    case Decision::Allow: return "allow";
    case Decision::Deny: return "deny";
    case Decision::Undefined: return "undefined";
  }
  return "undefined";
}

core::Status Policies::add(const registry::Entry& entry) {
  const core::Value* p = entry.data.find("policy");
  if (!p || !p->is_map()) return core::invalid("policy: is required (actions, resources, effect)");
  Policy policy;
  policy.id = entry.id.str();
  auto actions = pattern_list(p->find("actions"), "actions");
  if (!actions) return std::move(actions).error();
  auto resources = pattern_list(p->find("resources"), "resources");
  if (!resources) return std::move(resources).error();
  policy.actions = std::move(*actions);
  policy.resources = std::move(*resources);
  std::string effect = p->get_string("effect", "allow");
  if (effect != "allow" && effect != "deny") return core::invalid("policy.effect must be allow or deny");
  policy.allow = effect == "allow";
  if (const core::Value* c = p->find("conditions"); c && !c->is_nil()) {
    if (!c->is_array()) return core::invalid("policy.conditions must be a list");
    static const char* kOps[] = {"eq", "ne", "lt", "gt", "lte", "gte", "in", "nin", "exists", "nexists",
                                 "contains", "ncontains", "matches", "nmatches"};
    for (const auto& cond : c->as_array()) {
      std::string op = cond.get_string("operator");
      if (std::find(std::begin(kOps), std::end(kOps), op) == std::end(kOps)) {
        return core::invalid(fmt::format("policy.conditions: unknown operator '{}'", op));
      }
      if (cond.get_string("field").empty()) return core::invalid("policy.conditions: field is required");
    }
    policy.conditions = *c;
  }
  policies_[policy.id] = std::move(policy);
  return {};
}

const Policy* Policies::find(const std::string& id) const {
  auto it = policies_.find(id);
  return it == policies_.end() ? nullptr : &it->second;
}

Decision Policies::evaluate(const std::vector<std::string>& scope, const Actor& actor, const std::string& action,
                            const std::string& resource, const core::Value& meta) const {
  // The values condition fields name: actor.id, actor.meta.*, action, resource, meta.*.
  core::Value env = core::Value::map();
  core::Value a = core::Value::map();
  a.set("id", core::Value(actor.id));
  a.set("meta", actor.meta);
  env.set("actor", std::move(a));
  env.set("action", core::Value(action));
  env.set("resource", core::Value(resource));
  env.set("meta", meta);
  bool any_allow = false;
  for (const auto& id : scope) {
    const Policy* p = find(id);
    if (!p || !any_matches(p->actions, action) || !any_matches(p->resources, resource)) continue;
    bool all = true;
    for (const auto& cond : p->conditions.as_array()) {
      const core::Value* left = env.find_path(cond.get_string("field"));
      core::Value right;
      if (const core::Value* from = cond.find("value_from"); from && from->is_string()) {
        const core::Value* r = env.find_path(from->as_string());
        right = r ? *r : core::Value();
      } else if (const core::Value* v = cond.find("value")) {
        right = *v;
      }
      all = all && compare(cond.get_string("operator"), left, right);
    }
    if (!all) continue;
    if (!p->allow) return Decision::Deny;
    any_allow = true;
  }
  return any_allow ? Decision::Allow : Decision::Undefined;
}

bool Policies::allowed(const CallContext& ctx, const std::string& action, const std::string& resource,
                       const core::Value& meta) const {
  if (!ctx.actor || !ctx.scope) return !strict_;
  return evaluate(*ctx.scope, *ctx.actor, action, resource, meta) == Decision::Allow;
}

core::Status Policies::check(const CallContext& ctx, const std::string& action, const std::string& resource) const {
  if (allowed(ctx, action, resource)) return {};
  return core::Error(core::ErrorKind::PermissionDenied, fmt::format("not allowed: {}", resource)).with_retryable(false);
}

core::Result<ServiceIdentity> parse_service_identity(const core::Value* security, const registry::Entry& entry) {
  ServiceIdentity out;
  if (!security || security->is_nil()) return out;
  if (!security->is_map()) return core::invalid("lifecycle.security must be a map");
  if (const core::Value* actor = security->find("actor"); actor && !actor->is_nil()) {
    const core::Value* id = actor->is_map() ? actor->find("id") : nullptr;
    if (!id || !id->is_string() || id->as_string().empty())
      return core::invalid("lifecycle.security.actor.id is required (a string)");
    const core::Value* meta = actor->find("meta");
    out.actor = Actor{id->as_string(), meta && meta->is_map() ? *meta : core::Value::map()};
  }
  for (const char* key : {"policies", "groups"}) {
    const core::Value* list = security->find(key);
    if (!list || list->is_nil()) continue;
    if (!list->is_array()) return core::invalid(fmt::format("lifecycle.security.{} must be a list of entry ids", key));
    if (!out.scope) out.scope.emplace();
    for (const auto& x : list->as_array()) {
      if (!x.is_string() || x.as_string().empty())
        return core::invalid(fmt::format("lifecycle.security.{} must be a list of entry ids", key));
      out.scope->push_back(registry::EntryId::parse(x.as_string()).with_default_ns(entry.id.ns).str());
    }
  }
  return out;
}

}  // namespace wirt::sched

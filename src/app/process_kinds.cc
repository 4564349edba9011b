#include "app/process_kinds.h"

#include <fmt/format.h>

#include "registry/config_number.h"
#include "sched/security.h"

// Assigns the value of a Result to `lhs`, or returns its error.
#define PK_TAKE(lhs, expr)                         \
  do {                                             \
    auto pk_r_ = (expr);                           \
    if (!pk_r_) return std::move(pk_r_).error();   \
    lhs = std::move(*pk_r_);                       \
  } while (0)

namespace wirt::app {

namespace {

// The stand-in for an absent section: an lvalue, so `cond ? *section : kEmptyMap` never copies
// (a copy would be a temporary that pointers into it outlive).
const core::Value kEmptyMap = core::Value::map();

const core::Value* field(const core::Value& m, std::string_view key) {
  const core::Value* v = m.is_map() ? m.find(key) : nullptr;
  return v && !v->is_nil() ? v : nullptr;
}

core::Result<const core::Value*> section(const core::Value& m, std::string_view key, std::string_view path) {
  const core::Value* v = field(m, key);
  if (v && !v->is_map()) return core::invalid(fmt::format("{} must be a map", path));
  return v;
}

core::Result<bool> boolean(const core::Value* m, std::string_view key, std::string_view path) {
  const core::Value* v = m ? field(*m, key) : nullptr;
  if (!v) return false;
  if (v->is_bool()) return v->as_bool();
  return core::invalid(fmt::format("{} must be a boolean", path));
}

core::Result<core::Nanos> duration(const core::Value* m, std::string_view key, std::string_view path, core::Nanos dflt) {
  auto d = registry::checked_duration(m ? field(*m, key) : nullptr, path, core::Nanos(0), std::chrono::hours(24));
  if (!d) return std::move(d).error();
  return d->value_or(dflt);
}

core::Result<double> real(const core::Value* m, std::string_view key, std::string_view path, double dflt, double min,
                          double max) {
  const core::Value* v = m ? field(*m, key) : nullptr;
  if (!v) return dflt;
  double x;
  if (v->is_int()) x = static_cast<double>(v->as_int());
  else if (v->is_float()) x = v->as_float();
  else return core::invalid(fmt::format("{} must be a number", path));
  if (!(x >= min && x <= max)) return core::invalid(fmt::format("{} must be between {} and {}, got {}", path, min, max, x));
  return x;
}

core::Result<std::vector<std::string>> id_list(const core::Value* m, std::string_view key, std::string_view path,
                                               const registry::Entry& entry) {
  std::vector<std::string> out;
  const core::Value* v = m ? field(*m, key) : nullptr;
  if (!v) return out;
  if (!v->is_array()) return core::invalid(fmt::format("{} must be a list of entry ids", path));
  for (const auto& x : v->as_array()) {
    if (!x.is_string() || x.as_string().empty()) return core::invalid(fmt::format("{} must be a list of entry ids", path));
    out.push_back(registry::EntryId::parse(x.as_string()).with_default_ns(entry.id.ns).str());
  }
  return out;
}

// lifecycle.security: the identity the service's process runs as (sched::parse_service_identity).
core::Status parse_security(const core::Value* lifecycle, const registry::Entry& entry, sched::ServiceSpec* spec) {
  auto identity = sched::parse_service_identity(lifecycle ? field(*lifecycle, "security") : nullptr, entry);
  if (!identity) return std::move(identity).error();
  spec->actor = std::move(identity->actor);
  spec->scope = std::move(identity->scope);
  return {};
}

}  // namespace

core::Result<sched::ProcessHostConfig> parse_process_host(const registry::Entry& entry) {
  sched::ProcessHostConfig c;
  auto host_r = section(entry.data, "host", "host");
  if (!host_r) return std::move(host_r).error();
  const core::Value* host = std::move(*host_r);
  if (host) {
    auto workers_r = registry::checked_int(field(*host, "workers"), "host.workers", 0, 1 << 20);
    if (!workers_r) return std::move(workers_r).error();
    auto workers = std::move(*workers_r);
    auto queue_r = registry::checked_int(field(*host, "queue_size"), "host.queue_size", 0, 1 << 24);
    if (!queue_r) return std::move(queue_r).error();
    auto queue = std::move(*queue_r);
    // local_queue_size sizes the reference's per-worker deques; fibers have none to size.
    WIRT_TRY(registry::checked_int(field(*host, "local_queue_size"), "host.local_queue_size", 0, 1 << 24));
    if (workers) c.workers = static_cast<size_t>(*workers);
    if (queue) c.queue_size = static_cast<size_t>(*queue);
  }
  auto lifecycle_r = section(entry.data, "lifecycle", "lifecycle");
  if (!lifecycle_r) return std::move(lifecycle_r).error();
  const core::Value* lifecycle = std::move(*lifecycle_r);
  PK_TAKE(c.running, boolean(lifecycle, "auto_start", "lifecycle.auto_start"));
  return c;
}

core::Result<sched::ServiceSpec> parse_service(const registry::Entry& entry) {
  sched::ServiceSpec s;
  s.id = entry.id.str();
  const core::Value* process = field(entry.data, "process");
  if (!process || !process->is_string() || process->as_string().empty()) return core::invalid("process is required");
  s.process = registry::EntryId::parse(process->as_string()).with_default_ns(entry.id.ns).str();
  const core::Value* host = field(entry.data, "host");
  if (!host || !host->is_string() || host->as_string().empty()) return core::invalid("host is required");
  // The host is a full ID in the reference (it is not made relative to the namespace).
  s.host = host->as_string();
  if (const core::Value* input = field(entry.data, "input")) {
    if (!input->is_array()) return core::invalid("input must be a list of spawn arguments");
    s.input = input->as_array();
  }
  auto lifecycle_r = section(entry.data, "lifecycle", "lifecycle");
  if (!lifecycle_r) return std::move(lifecycle_r).error();
  const core::Value* lifecycle = std::move(*lifecycle_r);
  PK_TAKE(s.auto_start, boolean(lifecycle, "auto_start", "lifecycle.auto_start"));
  auto requires__r = id_list(lifecycle, "requires", "lifecycle.requires", entry);
  if (!requires__r) return std::move(requires__r).error();
  auto requires_ = std::move(*requires__r);
  auto depends_r = id_list(lifecycle, "depends_on", "lifecycle.depends_on", entry);
  if (!depends_r) return std::move(depends_r).error();
  auto depends = std::move(*depends_r);
  for (auto* list : {&requires_, &depends})
    for (auto& d : *list)
      if (std::find(s.depends_on.begin(), s.depends_on.end(), d) == s.depends_on.end()) s.depends_on.push_back(d);
  PK_TAKE(s.stable_threshold, duration(lifecycle, "stable_threshold", "lifecycle.stable_threshold", s.stable_threshold));
  PK_TAKE(s.stop_timeout, duration(lifecycle, "stop_timeout", "lifecycle.stop_timeout", s.stop_timeout));
  WIRT_TRY(duration(lifecycle, "start_timeout", "lifecycle.start_timeout", core::Nanos(0)));
  auto restart_r = section(lifecycle ? *lifecycle : kEmptyMap, "restart", "lifecycle.restart");
  if (!restart_r) return std::move(restart_r).error();
  const core::Value* restart = std::move(*restart_r);
  sched::RestartPolicy& r = s.restart;
  PK_TAKE(r.initial_delay, duration(restart, "initial_delay", "lifecycle.restart.initial_delay", r.initial_delay));
  PK_TAKE(r.max_delay, duration(restart, "max_delay", "lifecycle.restart.max_delay", r.max_delay));
  PK_TAKE(r.backoff_factor, real(restart, "backoff_factor", "lifecycle.restart.backoff_factor", 2.0, 1.0, 100.0));
  PK_TAKE(r.jitter, real(restart, "jitter", "lifecycle.restart.jitter", 0.1, 0.0, 1.0));
  auto attempts_r = registry::checked_int(restart ? field(*restart, "max_attempts") : nullptr,
                                          "lifecycle.restart.max_attempts", 0, 1 << 30);
  if (!attempts_r) return std::move(attempts_r).error();
  auto attempts = *attempts_r;
  if (attempts) r.max_attempts = static_cast<int>(*attempts);
  WIRT_TRY(parse_security(lifecycle, entry, &s));
  return s;
}

core::Status ProcessKinds::add(const registry::Entry& entry) {
  if (entry.kind == "terminal.host") {
    processes_->add_host(entry.id.str());
    terminal_hosts_.push_back(entry.id.str());
    return {};
  }
  if (entry.kind == "process.host") {
    auto config_r = parse_process_host(entry);
    if (!config_r) return std::move(config_r).error();
    auto config = std::move(*config_r);
    processes_->add_host(entry.id.str(), config);
    return {};
  }
  auto spec_r = parse_service(entry);
  if (!spec_r) return std::move(spec_r).error();
  auto spec = std::move(*spec_r);
  services_.push_back(std::move(spec));
  return {};
}

core::Status ProcessKinds::link(const std::vector<registry::Entry>& entries) {
  for (auto& spec : services_) {
    if (!processes_->has_factory(spec.process))
      return core::invalid(fmt::format("process.service {}: process {} is not a process entry", spec.id, spec.process));
    if (!processes_->has_host(spec.host))
      return core::invalid(fmt::format("process.service {}: host {} is not a process.host", spec.id, spec.host));
    (void)entries;
    supervisor_->add(spec);
  }
  auto order = supervisor_->start_order();
  if (!order) return std::move(order).error();
  return {};
}

}  // namespace wirt::app

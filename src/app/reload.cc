#include "app/reload.h"

#include <map>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/app.h"
#include "app/http_kinds.h"
#include "app/lua_kinds.h"
#include "app/wasm_kinds.h"
#include "core/log.h"
#include "http/config.h"
#include "registry/config_number.h"
#include "registry/topo.h"

namespace wirt::app {

namespace {

// Everything one reload generation's handlers point into. Owned by its FunctionSet (through
// FunctionSet::owner), so it lives while any call, route or pinned context uses the set.
// Members are destroyed bottom-up: the Lua runtime (which uses the env/fs registries of
// `wasm`) before `wasm`.
struct Generation {
  std::unique_ptr<sched::FunctionTable> functions;  // staging table; forwards to the app's after commit
  std::unique_ptr<sched::ProcessTable> process_sink;  // absorbs process factories (not reloaded)
  std::unique_ptr<WasmKinds> wasm;
  std::unique_ptr<lua::LuaRuntime> lua;
};

bool same_definition(const registry::Entry& a, const registry::Entry& b) {
  return a.kind == b.kind && a.meta == b.meta && a.data == b.data;
}

}  // namespace

bool kind_needs_restart(const std::string& kind) {
  // These own running things (listeners, process hosts, supervised processes) or are read by
  // long-lived objects (policies); the function layer and routes are rebuilt instead.
  return kind == "http.service" || kind == "process.host" || kind == "terminal.host" ||
         kind.rfind("process.", 0) == 0 || kind == "security.policy";
}

core::Result<std::unique_lock<std::mutex>> Reloader::lock() {
  std::unique_lock lk(mu_, std::defer_lock);
  if (!sched::this_fiber::active()) {
    lk.lock();
    return lk;
  }
  // Blocking the worker could deadlock: the holder may be a fiber of this very worker,
  // suspended in the middle of its transaction.
  auto give_up = std::chrono::steady_clock::now() + kLockWait;
  while (!lk.try_lock()) {
    if (std::chrono::steady_clock::now() >= give_up)
      return core::unavailable("another registry change is still being applied").with_retryable(true);
    sched::this_fiber::sleep_for(std::chrono::milliseconds(5));
  }
  return lk;
}

ReloadOutcome Reloader::reload() {
  auto lk = lock();
  if (!lk) {
    ReloadOutcome out;
    out.problems.push_back(std::move(lk).error());
    return out;
  }
  registry::LoadReport report = registry::load_entries(app_->paths_);
  if (!report.ok()) {
    ReloadOutcome out;
    out.problems = std::move(report.errors);
    return out;
  }
  return transact(report.entries);
}

core::Result<uint64_t> Reloader::apply(const registry::Edit& edit) {
  auto lk = lock();
  if (!lk) return std::move(lk).error();
  auto wanted = edit(app_->entries_);
  if (!wanted) return std::move(wanted).error();
  ReloadOutcome out = transact(*wanted);
  for (const auto& m : out.restart_needed) core::log_warn("registry change: {}", m);
  if (!out.applied) {
    std::vector<std::string> lines;
    for (const auto& p : out.problems) lines.push_back(p.message());
    return core::internal(fmt::format("apply changes: {}", fmt::join(lines, "; "))).with_retryable(false);
  }
  core::log_info("registry change applied as version {} ({} added, {} removed, {} changed entries)", out.version,
                 out.added.size(), out.removed.size(), out.changed.size());
  return out.version;
}

ReloadOutcome Reloader::transact(const std::vector<registry::Entry>& loaded) {
  ReloadOutcome out;
  App& app = *app_;

  // The difference, and what will run: entries of restart-needing kinds keep their running
  // definition (an added one waits, a removed one stays) so the registry says what runs.
  std::map<std::string, const registry::Entry*> old_by_id, new_by_id;
  for (const auto& e : app.entries_) old_by_id[e.id.str()] = &e;
  for (const auto& e : loaded) new_by_id[e.id.str()] = &e;
  std::vector<registry::Entry> merged;
  std::vector<const registry::Entry*> pending_services;  // added http.service entries, for validation
  auto wait_for_restart = [&](const registry::Entry& e, const char* what) {
    out.restart_needed.push_back(fmt::format("{}: entry {} ({}) {}: needs a restart (the running definition stays)",
                                             e.pos.str(), e.id.str(), e.kind, what));
  };
  for (const auto& e : loaded) {
    std::string id = e.id.str();
    auto old = old_by_id.find(id);
    if (old == old_by_id.end()) {
      out.added.push_back(id);
      if (kind_needs_restart(e.kind)) {
        wait_for_restart(e, "added");
        if (e.kind == "http.service") pending_services.push_back(&e);
        continue;
      }
      merged.push_back(e);
    } else if (!same_definition(*old->second, e)) {
      out.changed.push_back(id);
      if (kind_needs_restart(e.kind) || kind_needs_restart(old->second->kind)) {
        wait_for_restart(e, "changed");
        merged.push_back(*old->second);
        continue;
      }
      merged.push_back(e);
    } else {
      merged.push_back(e);
    }
  }
  for (const auto& e : app.entries_) {
    if (new_by_id.count(e.id.str())) continue;
    out.removed.push_back(e.id.str());
    if (kind_needs_restart(e.kind)) {
      wait_for_restart(e, "removed");
      merged.push_back(e);
    }
  }

  auto order = registry::dependency_order(merged);
  if (!order) {
    out.problems.push_back(std::move(order).error());
    return out;
  }
  // Rejections name the file and entry exactly as the boot (and `wirt check`) does.
  auto reject = [&](const registry::Entry& e, const core::Error& err) {
    core::Error named = err;
    std::string where = e.pos.str();
    named.wrap(where.empty() ? "entry " + e.id.str() : fmt::format("{}: entry {}", where, e.id.str()));
    out.problems.push_back(std::move(named));
  };

  // The new generation, beside the running one.
  auto gen = std::make_shared<Generation>();
  gen->functions = std::make_unique<sched::FunctionTable>();
  gen->functions->set_fallback(app.functions_.fallback());
  gen->process_sink = std::make_unique<sched::ProcessTable>(app.scheduler_.get(), &app.policies_);
  gen->wasm = std::make_unique<WasmKinds>(app.paths_.root, gen->functions.get(), gen->process_sink.get(),
                                          app.wasm_->settings());
  gen->lua = std::make_unique<lua::LuaRuntime>(app.scheduler_.get(), gen->functions.get());
  gen->lua->set_processes(app.processes_.get());
  gen->lua->set_policies(&app.policies_);
  gen->lua->set_entry_store(&app.store_, app.reloader_.get());  // the app's, not a test's own Reloader
  gen->lua->set_host_registries(&gen->wasm->env(), &gen->wasm->fs());
  LuaKinds lua_kinds(gen->lua.get(), gen->functions.get(), gen->process_sink.get());
  HttpKinds http(app.paths_.root, app.scheduler_.get(), gen->functions.get());
  for (const registry::Entry* e : *order) {
    // Process entries are not rebuilt: their factories live in the running process table.
    if (e->kind.rfind("process.", 0) == 0) continue;
    core::Status st;
    if (lua_kinds.handles(e->kind)) st = lua_kinds.add(*e);
    else if (gen->wasm->handles(e->kind)) st = gen->wasm->add(*e);
    else if (http.handles(e->kind) && e->kind != "http.service") st = http.add(*e);
    else continue;  // running already (hosts, policies, services) or stored only
    if (const core::Value* type = e->meta.find("type"); st && type && type->is_string() && type->as_string() == "test") {
      if (auto t = registry::test_timeout(e->meta); !t) st = std::move(t).error();
    }
    if (!st) reject(*e, st.error());
  }
  // Routes for the running services (and, to check them now, for services waiting for a
  // restart: those tables are not installed).
  auto services = app.http_->service_configs();
  std::vector<http::ServiceConfig> pending_configs;
  pending_configs.reserve(pending_services.size());
  for (const registry::Entry* e : pending_services) {
    auto c = http::parse_service(*e);
    if (!c) reject(*e, c.error());
    else pending_configs.push_back(std::move(*c));
  }
  for (const auto& c : pending_configs) services.emplace(c.id, &c);
  HttpKinds::RouteTables routes;
  if (out.problems.empty()) routes = http.build_routes(services, gen->wasm->fs(), reject);
  if (out.problems.empty()) {
    if (auto st = gen->lua->link(); !st) out.problems.push_back(st.error());
  }
  if (out.problems.empty()) {
    // As at boot: each Lua function loads once now, so a failing chunk rejects the change.
    auto verify_all = [&] {
      for (const registry::Entry* e : *order) {
        if (e->kind != "function.lua") continue;
        if (auto st = lua_kinds.verify(*e); !st) reject(*e, st.error());
      }
    };
    // A transaction from Lua (apply()) already runs on a fiber.
    if (sched::this_fiber::active()) verify_all();
    else app.scheduler_->block_on(verify_all);
  }
  if (!out.problems.empty()) return out;  // `gen` is dropped: nothing of it ever ran

  // Commit: functions first, then the routes that call them (a route pins its own set, so the
  // order only decides which requests see the new version first).
  auto set = std::const_pointer_cast<sched::FunctionSet>(gen->functions->snapshot());
  gen->functions->forward_to(&app.functions_);
  set->owner = gen;
  app.functions_.publish(std::move(set));
  for (const auto& c : pending_configs) routes.erase(c.id);
  app.http_->install_routes(routes);
  out.version = app.store_.publish(merged);
  app.entries_ = std::move(merged);
  out.applied = true;
  out.generation = ++generation_;
  if (on_applied_) on_applied_(out);
  return out;
}

void log_outcome(const ReloadOutcome& o) {
  for (const auto& m : o.restart_needed) core::log_warn("reload: {}", m);
  if (o.applied) {
    // Always shown (as the listening address): the user saved a file and wants to know.
    fmt::print(stderr, "wirt: reload {} applied ({} added, {} removed, {} changed entries; functions and routes rebuilt)\n",
               o.generation, o.added.size(), o.removed.size(), o.changed.size());
    return;
  }
  for (const auto& e : o.problems) {
    auto kind = core::kind_name(e.kind());
    if (kind.empty()) fmt::print(stderr, "error: {}\n", e.message());
    else fmt::print(stderr, "error [{}]: {}\n", kind, e.message());
  }
  fmt::print(stderr, "wirt: reload rejected: {} problem{}; the running version keeps serving\n", o.problems.size(),
             o.problems.size() == 1 ? "" : "s");
}

}  // namespace wirt::app

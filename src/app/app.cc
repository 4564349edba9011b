#include "app/app.h"

#include <future>

#include <fmt/format.h>

#include "app/http_kinds.h"
#include "app/lua_kinds.h"
#include "app/process_kinds.h"
#include "app/reload.h"
#include "app/wasm_kinds.h"
#include "app/wippy_config.h"
#include "core/log.h"
#include "registry/config_number.h"
#include "registry/topo.h"
#include "sched/worker_class.h"
#include "wasi/guest_env.h"
#include "wasm/instance.h"

namespace wirt::app {

bool is_function_kind(const std::string& kind) { return kind.rfind("function.", 0) == 0; }

core::Result<std::unique_ptr<App>> App::boot(const std::filesystem::path& dir, const BootOptions& options,
                                             std::vector<core::Error>* problems) {
  registry::LoadReport report = registry::load_app(dir);
  if (!report.ok()) {
    if (problems) problems->insert(problems->end(), report.errors.begin(), report.errors.end());
    return report.errors.front();
  }
  // Guest code runs on fiber stacks: the engine keeps a reserve above the bottom of one for
  // host imports and signal frames, however deep host → guest calls nest.
  wasm::set_stack_floor_provider([]() -> uintptr_t { return sched::this_fiber::stack_bottom(); });
  std::unique_ptr<App> app(new App());
  app->paths_ = report.paths;
  app->entries_ = std::move(report.entries);
  // Version 1 of the registry (read by Lua's `registry` module, even by chunks run at boot).
  app->store_.publish(app->entries_);
  auto wippy = load_wippy_config(report.paths.root);
  if (!wippy) {
    if (problems) problems->push_back(wippy.error());
    return std::move(wippy).error();
  }
  app->policies_.set_strict(wippy->strict_mode);
  app->start_schedulers(wippy->wasm_isolation, options.threads);
  app->processes_ = std::make_unique<sched::ProcessTable>(app->scheduler_.get(), &app->policies_);
  app->lua_ = std::make_unique<lua::LuaRuntime>(app->scheduler_.get(), &app->functions_);
  app->lua_->set_processes(app->processes_.get());
  app->lua_->set_policies(&app->policies_);
  app->reloader_ = std::make_unique<Reloader>(app.get());
  // No writer while booting: a chunk's top level (run by build()) must not start a reload
  // transaction on a half-built app.
  app->lua_->set_entry_store(&app->store_, nullptr);
  std::vector<core::Error> found;
  auto st = app->build(options, &found);
  if (!st) {
    if (problems) problems->insert(problems->end(), found.begin(), found.end());
    return found.empty() ? std::move(st).error() : found.front();
  }
  // Before any call runs on the workers, so every call sees it.
  app->lua_->set_entry_store(&app->store_, app->reloader_.get());
  return app;
}

App::~App() {
  // Services first: their connections run on the workers.
  if (http_) http_->stop_all();
  if (process_kinds_) process_kinds_->supervisor().stop_all();
  // Stop the workers before the runtimes their fibers may still reference go away. The Lua
  // states are closed between stop and destruction of the io_contexts: a state's garbage
  // collector destroys its time.timer/ticker asio timers, which need their io_context alive
  // (ASan: heap-use-after-free in ~TimerState at exit of app.modules).
  if (scheduler_) scheduler_->stop();
  if (wasm_class_) wasm_class_->stop();
  // What the current function generation and routes own (a hot reload's Lua states) goes now,
  // while the io_contexts still exist.
  if (http_) http_->install_routes({});
  functions_.clear();
  lua_.reset();
  scheduler_.reset();
}

void App::start_schedulers(const WasmIsolation& iso, size_t threads) {
  // The wasm worker class exists when an entry asks for it (pool.worker_class: wasm); with
  // isolation enabled the main workers are pinned to the CPUs the class leaves.
  bool wanted = false;
  for (const auto& e : entries_) {
    const core::Value* wc = e.data.find_path("pool.worker_class");
    wanted = wanted || (wc && wc->is_string() && wc->as_string() == "wasm");
  }
  auto plan = sched::plan_worker_class(iso.enabled, iso.reserved_cores, iso.workers, iso.cpus, sched::allowed_cpus());
  sched::SchedulerOptions main{threads};
  if (wanted) {
    main.cpus = plan.main_cpus;
    sched::SchedulerOptions cls{plan.workers};
    cls.cpus = plan.cpus;
    wasm_class_ = std::make_unique<sched::Scheduler>(cls);
  }
  scheduler_ = std::make_unique<sched::Scheduler>(main);
}

std::shared_ptr<const registry::Entry> App::find(const std::string& id) const {
  auto snap = store_.current();
  const registry::Entry* e = snap ? snap->find(registry::EntryId::parse(id)) : nullptr;
  // Aliasing: the entry shares ownership of its whole version.
  return e ? std::shared_ptr<const registry::Entry>(snap, e) : nullptr;
}

core::Status App::build(const BootOptions& options, std::vector<core::Error>* problems) {
  auto order = registry::dependency_order(entries_);
  if (!order) {
    problems->push_back(order.error());
    return order.error();
  }
  auto reject = [&](const registry::Entry& e, const core::Error& err) {
    core::Error named = err;
    named.wrap(fmt::format("{}: entry {}", e.pos.str(), e.id.str()));
    problems->push_back(std::move(named));
  };
  LuaKinds lua_kinds(lua_.get(), &functions_, processes_.get());
  host::EngineSettings engine = options.engine;
  engine.policies = &policies_;  // wasi:sockets permission checks
  engine.processes = processes_.get();  // a process.wasm's inbox
  wasm_ = std::make_unique<WasmKinds>(paths_.root, &functions_, processes_.get(), std::move(engine));
  wasm_->set_wasm_class(wasm_class_.get());
  lua_->set_host_registries(&wasm_->env(), &wasm_->fs());
  http_ = std::make_unique<HttpKinds>(paths_.root, scheduler_.get(), &functions_);
  process_kinds_ = std::make_unique<ProcessKinds>(processes_.get(), scheduler_.get());
  for (const registry::Entry* e : *order) {
    core::Status st;
    if (lua_kinds.handles(e->kind)) {
      st = lua_kinds.add(*e);
    } else if (wasm_->handles(e->kind)) {
      st = wasm_->add(*e);
    } else if (http_->handles(e->kind)) {
      st = http_->add(*e);
    } else if (e->kind == "security.policy") {
      st = policies_.add(*e);
    } else if (ProcessKinds::handles(e->kind)) {
      st = process_kinds_->add(*e);
      if (st && e->kind == "terminal.host") terminal_hosts_.push_back(e->id.str());
    } else {
      // Kinds without a handler are stored, as the reference does (reference-platform §1.1).
      core::log_debug("entry {}: kind {} has no handler; stored only", e->id.str(), e->kind);
    }
    if (const core::Value* type = e->meta.find("type"); st && type && type->is_string() && type->as_string() == "test") {
      if (auto t = registry::test_timeout(e->meta); !t) st = std::move(t).error();
    }
    if (!st) reject(*e, st.error());
  }
  // Routes need every function and filesystem: wired once all entries are in.
  http_->link(wasm_->fs(), reject);
  if (auto st = process_kinds_->link(entries_); !st) problems->push_back(st.error());
  if (problems->empty()) {
    if (auto st = lua_->link(); !st) problems->push_back(st.error());
  }
  if (problems->empty()) {
    // Load each Lua function once now, so a missing method or a failing chunk fails the boot.
    scheduler_->block_on([&] {
      for (const registry::Entry* e : *order) {
        if (!lua_kinds.handles(e->kind)) continue;
        if (auto st = lua_kinds.verify(*e); !st) reject(*e, st.error());
      }
    });
  }
  if (!problems->empty()) return problems->front();
  return {};
}

int App::run_command(const std::string& name, const std::vector<std::string>& args) {
  const registry::Entry* entry = nullptr;
  for (const auto& e : entries_) {
    const core::Value* n = e.meta.find_path("command.name");
    if (e.kind.rfind("process.", 0) == 0 && n && n->is_string() && n->as_string() == name) entry = &e;
  }
  auto fail = [](const core::Error& e) {
    auto kind = core::kind_name(e.kind());
    if (kind.empty()) fmt::print(stderr, "error: {}\n", e.message());
    else fmt::print(stderr, "error [{}]: {}\n", kind, e.message());
    return 1;
  };
  if (!entry) {
    return fail(core::not_found(fmt::format("command \"{}\" not found. Use 'wirt run list' to see available commands", name)));
  }
  if (terminal_hosts_.size() != 1) {
    return fail(core::unavailable(fmt::format("command \"{}\" needs exactly one terminal.host entry, the app has {}",
                                              name, terminal_hosts_.size())));
  }
  const sched::ProcessFactory* factory = processes_->factory(entry->id.str());
  if (!factory) return fail(core::unavailable(fmt::format("{} ({}) cannot run as a process", entry->id.str(), entry->kind)));
  core::Array values;
  for (const auto& a : args) values.emplace_back(a);  // command arguments are strings
  sched::CallContext ctx;
  ctx.frame_id = entry->id.str();
  ctx.pid = processes_->new_pid(terminal_hosts_.front());
  ctx.terminal = true;
  std::optional<core::Result<core::Value>> out;
  scheduler_->block_on([&] {
    processes_->mailbox(ctx.pid);
    out.emplace((*factory)(ctx, values));
    processes_->drop(ctx.pid);
  });
  // Exit rules of the reference's terminal host; a guest's exit(code) is the exit code as is.
  if (!*out) {
    if (auto code = wasi::exit_code_of(out->error())) return *code;
    return fail(out->error());
  }
  const core::Value& v = **out;
  if (v.is_string()) {
    fmt::print("{}\n", v.as_string());
    return 0;
  }
  if (v.is_int()) return static_cast<int>(v.as_int());
  if (v.is_float()) return static_cast<int>(v.as_float());
  if (v.is_bool()) return v.as_bool() ? 0 : 1;
  return 0;
}

core::Status App::start_services() {
  WIRT_TRY(start_process_services());
  return http_->start_auto();
}

core::Status App::start_process_services() { return process_kinds_->supervisor().start_all(); }

void App::stop_services() {
  http_->stop_all();
  process_kinds_->supervisor().stop_all();
}

sched::Supervisor& App::supervisor() { return process_kinds_->supervisor(); }

core::Result<core::Value> App::call(const std::string& id, const core::Array& args, const sched::CallContext& ctx) {
  std::optional<core::Result<core::Value>> out;
  scheduler_->block_on([&] { out.emplace(functions_.call(ctx, id, args)); });
  return std::move(*out);
}

}  // namespace wirt::app

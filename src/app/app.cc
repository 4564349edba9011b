#include "app/app.h"

#include <future>

#include <fmt/format.h>

#include "app/http_kinds.h"
#include "app/lua_kinds.h"
#include "app/wasm_kinds.h"
#include "core/log.h"
#include "registry/config_number.h"
#include "registry/topo.h"
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
  app->scheduler_ = std::make_unique<sched::Scheduler>(sched::SchedulerOptions{options.threads});
  app->processes_ = std::make_unique<sched::ProcessTable>(app->scheduler_.get(), &app->policies_);
  app->lua_ = std::make_unique<lua::LuaRuntime>(app->scheduler_.get(), &app->functions_);
  app->lua_->set_processes(app->processes_.get());
  app->lua_->set_policies(&app->policies_);
  std::vector<core::Error> found;
  auto st = app->build(options, &found);
  if (!st) {
    if (problems) problems->insert(problems->end(), found.begin(), found.end());
    return found.empty() ? std::move(st).error() : found.front();
  }
  return app;
}

App::~App() {
  // Services first: their connections run on the workers.
  if (http_) http_->stop_all();
  // Stop the workers before the runtimes their fibers may still reference go away. The Lua
  // states are closed between stop and destruction of the io_contexts: a state's garbage
  // collector destroys its time.timer/ticker asio timers, which need their io_context alive
  // (ASan: heap-use-after-free in ~TimerState at exit of app.modules).
  if (scheduler_) scheduler_->stop();
  // What the current function generation and routes own (a hot reload's Lua states) goes now,
  // while the io_contexts still exist.
  if (http_) http_->install_routes({});
  functions_.clear();
  lua_.reset();
  scheduler_.reset();
}

const registry::Entry* App::find(const std::string& id) const {
  for (const auto& e : entries_)
    if (e.id.str() == id) return &e;
  return nullptr;
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
  wasm_ = std::make_unique<WasmKinds>(paths_.root, &functions_, processes_.get(), std::move(engine));
  lua_->set_host_registries(&wasm_->env(), &wasm_->fs());
  http_ = std::make_unique<HttpKinds>(paths_.root, scheduler_.get(), &functions_);
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
    } else if (e->kind == "process.host") {
      processes_->add_host(e->id.str());
    } else if (e->kind == "terminal.host") {
      processes_->add_host(e->id.str());
      terminal_hosts_.push_back(e->id.str());
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

core::Status App::start_services() { return http_->start_auto(); }

void App::stop_services() { http_->stop_all(); }

core::Result<core::Value> App::call(const std::string& id, const core::Array& args, const sched::CallContext& ctx) {
  std::optional<core::Result<core::Value>> out;
  scheduler_->block_on([&] { out.emplace(functions_.call(ctx, id, args)); });
  return std::move(*out);
}

}  // namespace wirt::app

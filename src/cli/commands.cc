// The commands of the wirt CLI. Output rules (DESIGN §1.6): results as JSON on stdout; errors
// as `error [Kind]: message` on stderr with exit 1; logs on stderr.
#include <fcntl.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <thread>
#include <chrono>

#include <fmt/format.h>

#include "app/app.h"
#include "app/hot_reload.h"
#include "app/http_kinds.h"
#include "cli/cli.h"
#include "cli/cluster_join.h"
#include "core/duration.h"
#include "core/json.h"
#include "core/open_beneath.h"
#include "core/read_all.h"
#include "core/log.h"
#include "registry/config_number.h"

namespace wirt::cli {

namespace {
// How long `wirt test` waits past a test's timeout before it declares the test hung.
constexpr std::chrono::seconds kHungTestGrace{5};
}  // namespace

void print_error(const core::Error& e) {
  auto kind = core::kind_name(e.kind());
  if (kind.empty()) fmt::print(stderr, "error: {}\n", e.message());
  else fmt::print(stderr, "error [{}]: {}\n", kind, e.message());
}

core::Result<std::string> read_module_file(const std::string& path) {
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) return core::not_found(fmt::format("{}: cannot open the file", path));
  auto bytes = core::read_all(fd.fd);
  if (!bytes) return core::internal(fmt::format("{}: cannot read the file: {}", path, bytes.error().message()));
  return bytes;
}

namespace {

// Boots the app, printing every problem; nullptr on failure.
std::unique_ptr<app::App> boot_or_report(const CommonOptions& opts, host::EngineSettings engine = {}) {
  std::vector<core::Error> problems;
  app::BootOptions boot{static_cast<size_t>(std::max(0, opts.threads)), std::move(engine)};
  auto booted = app::App::boot(opts.app_dir, boot, &problems);
  if (booted) return std::move(*booted);
  if (problems.empty()) problems.push_back(booted.error());
  for (const auto& p : problems) print_error(p);
  fmt::print(stderr, "boot failed: {} problem{}\n", problems.size(), problems.size() == 1 ? "" : "s");
  return nullptr;
}

// Each CLI argument is JSON when it parses as JSON, else a plain string.
core::Value parse_arg(const std::string& text) {
  auto v = core::from_json(text);
  if (v) return std::move(*v);
  return core::Value(text);
}

// Joins the cluster the flags or .wippy.yaml name (no-op when none); false after printing why.
bool join_or_report(app::App& app, const CommonOptions& opts, ClusterRole role,
                    std::unique_ptr<ClusterMembership>* out) {
  auto m = join_cluster(app, opts, role);
  if (!m) {
    print_error(m.error());
    return false;
  }
  *out = std::move(*m);
  return true;
}

}  // namespace

int cmd_call(const CommonOptions& opts, const std::string& id, const std::vector<std::string>& args) {
  auto app = boot_or_report(opts);
  if (!app) return 1;
  std::unique_ptr<ClusterMembership> cluster;  // leaves before the app stops
  if (!join_or_report(*app, opts, ClusterRole::Client, &cluster)) return 1;
  core::Array values;
  for (const auto& a : args) values.push_back(parse_arg(a));
  auto r = app->call(id, values);
  if (!r) {
    print_error(r.error());
    return 1;
  }
  fmt::print("{}\n", core::to_json(*r));
  return 0;
}

int cmd_test(const CommonOptions& opts, const std::string& suite) {
  auto app = boot_or_report(opts);
  if (!app) return 1;
  std::unique_ptr<ClusterMembership> cluster;
  if (!join_or_report(*app, opts, ClusterRole::Client, &cluster)) return 1;
  // Supervised process.service entries run while the tests do (HTTP services do not: tests
  // that need a listener start one themselves).
  if (auto st = app->start_process_services(); !st) {
    print_error(st.error());
    return 1;
  }
  // Held for the whole run: a test may change the registry (Lua `registry` module), and the
  // pointers below point into this version.
  auto booted_entries = app->entries();
  std::vector<const registry::Entry*> tests;
  for (const auto& e : booted_entries->entries) {
    if (!app::is_function_kind(e.kind)) continue;
    const core::Value* type = e.meta.find("type");
    if (!type || !type->is_string() || type->as_string() != "test") continue;
    if (!suite.empty() && e.meta.get_string("suite") != suite) continue;
    tests.push_back(&e);
  }
  std::sort(tests.begin(), tests.end(), [](auto* a, auto* b) { return a->id.str() < b->id.str(); });
  if (tests.empty()) {
    fmt::print(stderr, "error: no tests found (function entries with meta.type: test){}\n",
               suite.empty() ? "" : " in suite " + suite);
    return 1;
  }
  int passed = 0, failed = 0;
  for (const auto* t : tests) {
    sched::CallContext ctx;
    // A test that hangs must not hang the run: meta.timeout (default 60s) bounds it.
    // (checked at boot: registry::test_timeout)
    auto checked = registry::test_timeout(t->meta);
    core::Nanos limit = checked ? *checked : std::chrono::seconds(60);
    ctx.deadline = sched::CallContext::Clock::now() + limit;
    auto start = std::chrono::steady_clock::now();
    // Every wait and loop ends at the deadline; should something still not return (a bug, or
    // a C function that cannot be interrupted), the run must not hang: past the timeout plus
    // kHungTestGrace the test fails and the run ends.
    auto result = std::make_shared<std::promise<core::Result<core::Value>>>();
    auto done = result->get_future();
    std::thread([&app, result, id = t->id.str(), ctx] { result->set_value(app->call(id, {}, ctx)); }).detach();
    if (done.wait_for(limit + kHungTestGrace) != std::future_status::ready) {
      fmt::print("FAIL {} (hung {} past its timeout; stopping the run)\n", t->id.str(),
                 core::format_duration(std::chrono::duration_cast<core::Nanos>(kHungTestGrace)));
      std::fflush(stdout);
      std::_Exit(1);
    }
    auto r = done.get();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (r && !(r->is_bool() && !r->as_bool())) {
      ++passed;
      fmt::print("PASS {} ({:.1f} ms)\n", t->id.str(), ms);
    } else {
      ++failed;
      std::string why = r ? "returned false" : r.error().message();
      if (!r && !core::kind_name(r.error().kind()).empty()) why = fmt::format("[{}] {}", core::kind_name(r.error().kind()), why);
      fmt::print("FAIL {} ({:.1f} ms): {}\n", t->id.str(), ms, why);
    }
    std::fflush(stdout);
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

int cmd_check(const CommonOptions& opts) {
  auto app = boot_or_report(opts);
  if (!app) return 1;
  fmt::print("ok: {} entries in {}\n", app->entries()->entries.size(), app->paths().root.string());
  return 0;
}

int cmd_compile(const CommonOptions& opts) {
  int count = 0;
  host::EngineSettings engine;
  engine.tier2_sync = true;
  auto last = std::chrono::steady_clock::now();
  engine.on_compiled = [&](const std::string& id, const wasm::Module& m) {
    ++count;
    auto now = std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(now - last).count();
    last = now;
    fmt::print("[{}] {}: tier {}{} ({:.0f} ms)\n", count, id, m.tier(),
               m.tier() == 2 ? "" : " (no C compiler: tier 1 only)", ms);
    std::fflush(stdout);
  };
  auto app = boot_or_report(opts, engine);
  if (!app) return 1;
  fmt::print("compiled {} module{} into the cache\n", count, count == 1 ? "" : "s");
  return 0;
}

namespace {

struct Command {
  std::string name, short_text, id;
};

std::vector<Command> find_commands(const std::vector<registry::Entry>& entries) {
  std::vector<Command> out;
  for (const auto& e : entries) {
    if (e.kind.rfind("process.", 0) != 0) continue;
    const core::Value* name = e.meta.find_path("command.name");
    if (!name || !name->is_string()) continue;
    const core::Value* cmd = e.meta.find("command");
    out.push_back({name->as_string(), cmd->get_string("short"), e.id.str()});
  }
  std::sort(out.begin(), out.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  return out;
}

int run_list(const CommonOptions& opts) {
  registry::LoadReport report = registry::load_app(opts.app_dir);
  if (!report.ok()) {
    for (const auto& e : report.errors) print_error(e);
    return 1;
  }
  auto commands = find_commands(report.entries);
  if (commands.empty()) {
    fmt::print("No commands found.\n\nA command is a process entry with meta.command: {{name: NAME, short: TEXT}}.\n");
    return 0;
  }
  size_t width = 0;
  for (const auto& c : commands) width = std::max(width, c.name.size());
  fmt::print("Available commands:\n\n");
  for (const auto& c : commands) fmt::print("  {:<{}}  {}  ({})\n", c.name, width, c.short_text, c.id);
  fmt::print("\nRun with: wirt run <command>\n");
  return 0;
}

}  // namespace

int cmd_run(const CommonOptions& opts, const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "list") return run_list(opts);
  if (opts.watch && !args.empty()) {
    print_error(core::invalid("--watch applies to services mode (`wirt run --watch`), not to a command"));
    return 2;
  }
  // Services mode: block SIGINT/SIGTERM before booting (and before any worker thread exists,
  // so every thread inherits the mask); a signal that arrives during the boot is then taken by
  // sigwait below instead of killing the process half-started.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  // One thread takes the signals from the start: during the boot (which may hang, e.g. on a
  // start function or a slow chunk) a signal ends the process at once, as the user asked;
  // afterwards it starts the clean shutdown. The mask used to leave a hanging boot deaf to
  // SIGTERM.
  std::promise<int> stop;
  std::future<int> stopped = stop.get_future();
  static std::atomic<bool> booted{false};  // outlives this frame: the thread is detached
  if (args.empty()) {
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set, stop = std::move(stop)]() mutable {
      int sig = 0;
      sigwait(&set, &sig);
      if (!booted.load()) {
        std::fprintf(stderr, "wirt: signal %d during boot: exiting\n", sig);
        std::_Exit(128 + sig);
      }
      stop.set_value(sig);
    }).detach();
  }
  auto app = boot_or_report(opts);
  if (!app) return 1;
  std::unique_ptr<ClusterMembership> cluster;
  if (!join_or_report(*app, opts, args.empty() ? ClusterRole::Serve : ClusterRole::Client, &cluster)) return 1;
  if (!args.empty()) {
    std::fflush(stdout);
    return app->run_command(args[0], std::vector<std::string>(args.begin() + 1, args.end()));
  }
  // Services: run until SIGINT or SIGTERM, then shut down cleanly (HTTP services drain their
  // in-flight requests first).
  if (auto st = app->start_services(); !st) {
    print_error(st.error());
    return 1;
  }
  // The address is always shown (whatever --log-level): with port 0 it is the only way to
  // learn the port picked.
  for (const auto& [id, url] : app->http().listening()) fmt::print(stderr, "wirt: http.service {} listening on {}\n", id, url);
  core::log_info("running {} entries; stop with Ctrl-C", app->entries()->entries.size());
  booted.store(true);
  // Every applied change (a saved file under --watch, a Lua registry changeset) re-advertises
  // what this node serves.
  if (cluster) {
    app->reloader().on_applied([&cluster, &app](const app::ReloadOutcome&) {
      if (auto st = cluster->readvertise(*app); !st) print_error(st.error());
    });
  }
  std::unique_ptr<app::HotReload> reload;
  if (opts.watch) {
    auto r = app::start_hot_reload(*app);
    if (!r) {
      print_error(r.error());
      app->stop_services();
      return 1;
    }
    reload = std::move(*r);
  }
  int sig = stopped.get();
  core::log_info("signal {}: shutting down", sig);
  reload.reset();  // a reload in progress finishes first
  app->reloader().on_applied(nullptr);  // a Lua change from here on must not touch the cluster
  cluster.reset();  // a final beat: peers fail calls held here at once instead of after 3 s
  app->stop_services();
  return 0;
}

}  // namespace wirt::cli

#include "cli/cli.h"

#include <malloc.h>

#include <algorithm>

#include <CLI/CLI.hpp>

#include "core/log.h"

namespace wirt::cli {

namespace {

// `call ID ARGS...` and `run NAME ARGS...` pass their trailing arguments through untouched:
// CLI11 would otherwise read "[1,2]" as a list and "-5" as an option. Splits argv after the
// first positional that follows the subcommand (skipping options and their values).
std::vector<std::string> take_trailing_args(std::vector<std::string>& args) {
  static const std::vector<std::string> kWithValue = {"-a", "--app", "--threads", "--log-level", "--suite",
                                                      "--dir", "--env", "--cluster", "--node"};
  size_t i = 0;
  while (i < args.size() && args[i] != "call" && args[i] != "run" && args[i] != "exec") {
    if (std::find(kWithValue.begin(), kWithValue.end(), args[i]) != kWithValue.end()) ++i;
    ++i;
  }
  if (i >= args.size()) return {};
  bool is_run = args[i] == "run";
  for (++i; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (std::find(kWithValue.begin(), kWithValue.end(), a) != kWithValue.end()) {
      ++i;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') continue;  // a flag or --opt=value
    if (is_run && a == "list") continue;         // `run list` takes only options
    // args[i] is the ID / NAME: everything after it is raw.
    std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
    args.resize(i + 1);
    return rest;
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  // Thousands of fibers allocate and free Lua states and stacks in bursts on several threads;
  // glibc's default trimming then returns memory to the kernel and faults it back in at once.
  // A fixed mmap threshold and a generous trim threshold keep that churn out of the hot path.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  std::vector<std::string> argv_list(argv + 1, argv + argc);
  std::vector<std::string> trailing = take_trailing_args(argv_list);
  CLI::App app{"wirt — a runtime for apps of Lua and WebAssembly registry entries"};
  app.require_subcommand(1);
  CommonOptions opts;
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "debug|info|warn|error|off (logs go to stderr)")
      ->capture_default_str();
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("-a,--app", opts.app_dir, "application folder (default: current folder)");
    sub->add_option("--threads", opts.threads, "worker threads (default: number of cores)");
  };

  // Commands that boot an app may join a cluster (docs/cluster.md §1).
  auto add_cluster = [&](CLI::App* sub) {
    sub->add_option("--cluster", opts.cluster, "join the cluster on these NATS servers")->type_name("URL[,URL...]");
    sub->add_option("--node", opts.node, "this node's name in the cluster (default: hostname-pid)");
  };

  std::string id;
  CLI::App* call = app.add_subcommand("call", "call a function; arguments are JSON when they parse, else strings");
  add_common(call);
  add_cluster(call);
  call->add_option("id", id, "function id (ns:name)")->required();
  call->footer("Arguments after ID are passed as they are: JSON when they parse (6, \"s\", [1,2], {\"a\":1}), else strings.");

  std::string suite;
  CLI::App* test = app.add_subcommand("test", "run every function entry with meta.type: test");
  add_common(test);
  add_cluster(test);
  test->add_option("--suite", suite, "only tests whose meta.suite is this");

  CLI::App* check = app.add_subcommand("check", "load and validate the app; list every problem");
  add_common(check);

  CLI::App* compile = app.add_subcommand("compile", "compile every WASM entry into the native-code cache (tier 2)");
  add_common(compile);

  std::string run_name;
  CLI::App* run = app.add_subcommand("run", "run services until a signal, run a command (NAME ARGS...), or `run list`");
  add_common(run);
  add_cluster(run);
  run->add_option("command", run_name, "list | NAME [ARGS...]");
  run->add_flag("--watch", opts.watch, "services mode: apply changes to the app's files while it runs (hot reload)");

  std::string serve_addr = "127.0.0.1:8080", serve_file;
  CLI::App* serve = app.add_subcommand("serve", "serve one wasi:http/proxy component (as `wasmtime serve`)");
  serve->add_option("--addr", serve_addr, "address to listen on (host:port; port 0 picks a free one)")
      ->capture_default_str();
  serve->add_option("--threads", opts.threads, "worker threads (default: number of cores)");
  serve->add_option("file", serve_file, "the component (.wasm) exporting wasi:http/incoming-handler")->required();

  ExecOptions exec_opts;
  CLI::App* exec = app.add_subcommand("exec", "run one WASI command (.wasm: a module exporting _start, or a "
                                              "wasi:cli/run component), as `wasmtime run`");
  exec->add_option("--dir", exec_opts.dirs, "preopen the folder HOST as GUEST (default: HOST); repeatable")
      ->type_name("HOST[::GUEST]");
  exec->add_option("--env", exec_opts.env, "set the guest's environment variable; repeatable")->type_name("NAME=VALUE");
  exec->add_option("--threads", opts.threads, "worker threads (default: 1)");
  exec->add_flag("--tier2", exec_opts.tier2, "compile to native code (tier 2, cached) before running");
  exec->add_option("file", exec_opts.file, "the command (.wasm)")->required();
  exec->footer("Arguments after FILE go to the guest as they are (argv[0] is FILE's name); its exit code is wirt's.");

  try {
    std::reverse(argv_list.begin(), argv_list.end());  // CLI11 takes the vector reversed
    app.parse(argv_list);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  core::LogLevel level;
  if (!core::parse_log_level(log_level, &level)) {
    fmt::print(stderr, "error: --log-level must be one of debug, info, warn, error, off\n");
    return 2;
  }
  core::set_log_level(level);

  if (*call) return cmd_call(opts, id, trailing);
  if (*test) return cmd_test(opts, suite);
  if (*check) return cmd_check(opts);
  if (*compile) return cmd_compile(opts);
  if (*exec) {
    exec_opts.args = trailing;
    return cmd_exec(opts, exec_opts);
  }
  if (*serve) return cmd_serve(opts, serve_addr, serve_file);
  if (*run) {
    std::vector<std::string> run_args;
    if (!run_name.empty()) run_args.push_back(run_name);
    run_args.insert(run_args.end(), trailing.begin(), trailing.end());
    return cmd_run(opts, run_args);
  }
  return 2;
}

}  // namespace wirt::cli

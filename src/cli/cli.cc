#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include "core/log.h"

namespace wirt::cli {

int main(int argc, char** argv) {
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

  std::string id;
  std::vector<std::string> call_args;
  CLI::App* call = app.add_subcommand("call", "call a function; arguments are JSON when they parse, else strings");
  add_common(call);
  call->add_option("id", id, "function id (ns:name)")->required();
  call->add_option("args", call_args, "arguments");
  call->positionals_at_end(false);

  std::string suite;
  CLI::App* test = app.add_subcommand("test", "run every function entry with meta.type: test");
  add_common(test);
  test->add_option("--suite", suite, "only tests whose meta.suite is this");

  CLI::App* check = app.add_subcommand("check", "load and validate the app; list every problem");
  add_common(check);

  std::vector<std::string> run_args;
  CLI::App* run = app.add_subcommand("run", "run services until a signal, run a command (NAME ARGS...), or `run list`");
  add_common(run);
  run->add_option("command", run_args, "list | NAME [ARGS...]");
  run->prefix_command(false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  core::LogLevel level;
  if (!core::parse_log_level(log_level, &level)) {
    fmt::print(stderr, "error: --log-level must be one of debug, info, warn, error, off\n");
    return 2;
  }
  core::set_log_level(level);

  if (*call) return cmd_call(opts, id, call_args);
  if (*test) return cmd_test(opts, suite);
  if (*check) return cmd_check(opts);
  if (*run) return cmd_run(opts, run_args);
  return 2;
}

}  // namespace wirt::cli

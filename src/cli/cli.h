// The wirt command line (DESIGN §1.6): run, call, test, check.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/result.h"

namespace wirt::cli {

// Parses argv and runs the command; returns the process exit code.
int main(int argc, char** argv);

struct CommonOptions {
  std::string app_dir = ".";
  int threads = 0;
  std::string cluster, node;  // --cluster URL[,URL…] and --node NAME (run, call, test)
  bool watch = false;         // run --watch: hot reload on file changes (src/app/reload.h)
};

// Prints `error [Kind]: message` (or `error: message` for an unknown kind) on stderr.
void print_error(const core::Error& e);
// The bytes of a module file named on the command line (`wirt exec`, `wirt serve`); NotFound
// naming the path when it cannot be opened.
core::Result<std::string> read_module_file(const std::string& path);

int cmd_call(const CommonOptions& opts, const std::string& id, const std::vector<std::string>& args);
int cmd_test(const CommonOptions& opts, const std::string& suite);
int cmd_check(const CommonOptions& opts);
int cmd_compile(const CommonOptions& opts);
int cmd_run(const CommonOptions& opts, const std::vector<std::string>& args);
// `wirt exec [--dir HOST[::GUEST]]… [--env NAME=VALUE]… FILE.wasm [ARGS…]`: one WASI command,
// no app (exec.cc).
struct ExecOptions {
  std::vector<std::string> dirs, env;
  std::string file;
  std::vector<std::string> args;
  bool tier2 = false;  // compile with cc -O2 (cached) before running, as `wirt compile` does
};
int cmd_exec(const CommonOptions& opts, const ExecOptions& exec);
// `wirt serve [--addr A] FILE.wasm`: one wasi:http/proxy component, no app (serve.cc).
int cmd_serve(const CommonOptions& opts, const std::string& addr, const std::string& file);

}  // namespace wirt::cli

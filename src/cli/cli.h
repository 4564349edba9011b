// The wirt command line (DESIGN §1.6): run, call, test, check.
#pragma once

#include <string>
#include <vector>

namespace wirt::cli {

// Parses argv and runs the command; returns the process exit code.
int main(int argc, char** argv);

struct CommonOptions {
  std::string app_dir = ".";
  int threads = 0;
};

int cmd_call(const CommonOptions& opts, const std::string& id, const std::vector<std::string>& args);
int cmd_test(const CommonOptions& opts, const std::string& suite);
int cmd_check(const CommonOptions& opts);
int cmd_compile(const CommonOptions& opts);
int cmd_run(const CommonOptions& opts, const std::vector<std::string>& args);

}  // namespace wirt::cli

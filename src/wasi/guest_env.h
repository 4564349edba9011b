// What a guest sees of its environment during one call: args, environment variables, where
// its stdout/stderr go, and how it exited. The host layer fills one per call and points
// wasm::Instance::user_data at it; WASI host functions read it from there.
//
// Owned by the call (on the fiber's stack); not shared between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace wirt::wasi {

struct GuestEnv {
  std::string entry_id;  // for log lines and messages
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // sorted by name
  std::string cwd;  // wasi.cwd ("" = none)
  // Output the guest wrote (stdout, stderr). With `capture` false it is flushed to the log
  // line by line as "[entry] stdout: text".
  std::string out, err;
  bool capture = false;
  // A terminal command: stdout/stderr go to the process's own fds 1/2, stdin is fd 0.
  bool terminal = false;
  // Set by proc_exit / wasi:cli/exit.
  std::optional<int> exit_code;

  // Logs complete lines of out/err (and everything when `final`), unless capturing; on a
  // terminal writes everything to fds 1/2.
  void flush_output(bool final);
  // Up to `max` bytes of stdin ("" at end of file; always "" off the terminal). Suspends the
  // fiber while a helper thread waits for input, so no worker thread blocks.
  std::string read_stdin(size_t max);
};

// The error a guest's exit(code) unwinds with; exit_code_of() recognizes it.
core::Error exit_error(int code);
std::optional<int> exit_code_of(const core::Error& e);

}  // namespace wirt::wasi

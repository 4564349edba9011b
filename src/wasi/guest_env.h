// What a guest sees of its environment during one call: args, environment variables, where
// its stdout/stderr go, and how it exited. The host layer fills one per call and points
// wasm::Instance::user_data at it; WASI host functions read it from there.
//
// Owned by the call (on the fiber's stack); not shared between threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/result.h"

namespace wirt::wasi {

class FdTable;  // wasi/preview1_fs.h

struct GuestEnv {
  std::string entry_id;  // for log lines and messages
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // sorted by name
  std::string cwd;  // wasi.cwd ("" = none)
  // preview1 descriptors: stdio and the mounts as preopens (null = stdio only). Owned by the
  // call: the mounts' folders are opened for it and closed with it.
  std::shared_ptr<FdTable> files;
  // Output the guest wrote (stdout, stderr). With `capture` false it is flushed to the log
  // line by line as "[entry] stdout: text".
  std::string out, err;
  bool capture = false;
  // A terminal command: stdout/stderr go to the process's own fds 1/2, stdin is fd 0.
  bool terminal = false;
  // Set by proc_exit / wasi:cli/exit.
  std::optional<int> exit_code;
  // Bytes the guest may write to stdout/stderr in this call (limits.max_output_mb, default
  // 16 MiB). Past it a write fails the call: a guest cannot make the host copy gigabytes by
  // pointing 100,000 iovecs at one buffer.
  static constexpr uint64_t kDefaultOutputLimit = uint64_t(16) << 20;
  uint64_t output_limit = kDefaultOutputLimit;
  uint64_t output_written = 0;
  // Longest line logged whole: a longer partial line is logged in pieces of this size, which
  // keeps splitting linear (a line-less stream used to be re-scanned on every write).
  static constexpr size_t kMaxLogLine = 64 * 1024;

  // Writes guest output to fd 1 or 2 (counted against output_limit; Internal error past it)
  // and flushes complete lines.
  [[nodiscard]] core::Status write(int fd, std::string_view data);
  // The error write() would give for `more` bytes, or OK when they fit.
  [[nodiscard]] core::Status check_output(uint64_t more) const;

  // Logs complete lines of out/err (and everything when `final`), unless capturing; on a
  // terminal writes everything to fds 1/2.
  void flush_output(bool final);
  // Up to `max` bytes of stdin ("" at end of file; always "" off the terminal). Suspends the
  // fiber while a helper thread waits for input, so no worker thread blocks; Timeout at
  // `deadline_ns` (steady-clock ns, 0 = none).
  core::Result<std::string> read_stdin(size_t max, int64_t deadline_ns);
};

// The error a guest's exit(code) unwinds with; exit_code_of() recognizes it.
core::Error exit_error(int code);
std::optional<int> exit_code_of(const core::Error& e);

}  // namespace wirt::wasi

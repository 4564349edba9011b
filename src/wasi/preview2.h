// WASI 0.2 host interfaces for components (DESIGN §1.5, reference-wasm-runtime §7.1–7.2),
// bound per entry by its `imports:` groups and serving any guest 0.2.x version:
//   wasi:io      wasi:io/error (error.to-debug-string), wasi:io/streams (output-stream write,
//                blocking-write-and-flush, flush, blocking-flush, check-write, subscribe;
//                input-stream read/blocking-read: stdin of a call is empty)
//   wasi:poll    wasi:io/poll (pollable.ready, pollable.block, poll): waits suspend the fiber
//   wasi:clocks  wall-clock (now, resolution), monotonic-clock (now, resolution,
//                subscribe-duration, subscribe-instant)
//   wasi:cli     environment (get-environment, get-arguments, initial-cwd), exit (exit),
//                stdin/stdout/stderr (get-*), terminal-* (not a terminal: none)
//   wasi:random  random, insecure, insecure-seed
//   wasi:filesystem  types, preopens (filesystem_types.h: the mounts, confined by the kernel)
// stdout/stderr go to the log line by line (GuestEnv). State lives in wasi::CallState, reached
// through HostCall::user_data.
#pragma once

#include <string>
#include <vector>

#include "component/component.h"

namespace wirt::wasi {

// The groups wirt serves ("wasi:io", "wasi:poll", "wasi:clocks", "wasi:cli", "wasi:random",
// "wasi:filesystem").
bool is_preview2_group(const std::string& group);
// Adds the host functions of the enabled groups (names as in `imports:`; unknown ones ignored).
void define_preview2(component::HostImports& imports, const std::vector<std::string>& groups);

}  // namespace wirt::wasi

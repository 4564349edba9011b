// wasi_snapshot_preview1 for core modules (reference-wasm-runtime §7.4, improved: the entry's
// `wasi:` args and env reach the guest, and stdout/stderr go to the log instead of nowhere).
//
// Provided: args_get, args_sizes_get, environ_get, environ_sizes_get, clock_time_get,
// clock_res_get, random_get, fd_write (stdout, stderr), fd_read (stdin: end of file off a
// terminal), proc_exit, sched_yield, poll_oneoff (clock subscriptions suspend the fiber), the
// adapter stubs the reference adds, and files and directories through the mounts of
// GuestEnv::files (wasi/preview1_fs.h). Other preview1 imports (sock_*) stay unresolved and
// trap when called.
#pragma once

#include "wasm/instance.h"

namespace wirt::wasi {

// Defines the preview1 functions the module imports. Each reads its GuestEnv from
// Caller::instance.user_data (which must point at a wasi::GuestEnv during calls).
void define_preview1(wasm::Linker& linker, const std::vector<wasm::ImportInfo>& imports);

}  // namespace wirt::wasi

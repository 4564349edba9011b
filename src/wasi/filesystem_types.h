// wasi:filesystem/types and wasi:filesystem/preopens (WASI 0.2, filesystem types.wit /
// preopens.wit) for components, over the same mounts, descriptor table and kernel confinement
// as preview1 (wasi/mounts.h, wasi/preview1_fs.h): one mechanism, two ABIs.
//
//   preopens     get-directories: one descriptor per mount (`wasi.mounts`, `wirt exec --dir`),
//                sorted by guest path, flags read (+ mutate-directory unless read_only)
//   descriptor   open-at (open-flags create/directory/exclusive/truncate, descriptor-flags
//                read/write/*-sync, path-flags symlink-follow), read/write (pread/pwrite),
//                read-via-stream / write-via-stream / append-via-stream (wasi:io streams,
//                filesystem_streams.h), read-directory, stat/stat-at (with the three times),
//                set-times/set-times-at, set-size, sync/sync-data, get-flags, get-type,
//                advise, rename-at, unlink-file-at, create-directory-at, remove-directory-at,
//                symlink-at/readlink-at, link-at, is-same-object, metadata-hash(-at)
//   directory-entry-stream  read-directory-entry (lazy: one readdir(3) batch at a time)
//   filesystem-error-code   the error-code of a stream's last-operation-failed error
//
// Every path is resolved beneath the descriptor's directory by the kernel (openat2
// RESOLVE_BENEATH): a path leaving the mount is `not-permitted`; a NUL in a path is `invalid`;
// longer than mounts::kMaxPath is `name-too-long`. A read_only mount refuses every write
// (opening for writing, create, truncate, set-size, set-times, the *-at mutations, link,
// write/append streams) with `read-only`. As on the preview1 side, the descriptor-flags a guest
// asks for are recorded and reported (get-flags) and the kernel enforces read/write on files;
// the mount's read_only is what gates directory mutations.
//
// Bounds: descriptors and directory-entry-streams share the call's table (FdTable::kMaxFds);
// past it open-at / read-directory / the stream constructors fail with `insufficient-memory`
// (WASI 0.2 has no "too many open files"; the preview1 adapter turns it into ENOMEM), so a
// guest cannot exhaust the host's descriptors. File streams count against the same bound.
//
// Blocking: file I/O runs inline on the worker thread, each host call one bounded system call:
// read/pread and the streams move at most kFileChunk bytes per call, directory listings one
// readdir batch, so no single call holds the worker longer than one local-disk transfer of that
// size; between chunks the guest is back in its own code, where its deadline applies (README
// "Components' files").
//
// Descriptor reps are FdTable numbers (GuestEnv::files, opened per call by prepare_guest_env);
// with no mounts there is no table and get-directories is empty. Thread-safety: none (the
// calling fiber's state).
#pragma once

#include <string>

#include "component/component.h"
#include "core/result.h"
#include "core/value.h"

namespace wirt::wasi {

struct CallState;

// Largest transfer of one read/write or stream call (and what check-write allows).
inline constexpr size_t kFileChunk = 1 << 20;

// The WIT error-code name of a host errno (e.g. ENOENT → "no-entry"; EXDEV from a lookup,
// mounts::kEscapes, → "not-permitted"; EMFILE/ENFILE → "insufficient-memory").
const char* fs_error_code(int err);

// Registers wasi:filesystem/types and /preopens (host version 0.2.3: serves guests 0.2.x).
void define_filesystem(component::HostImports& imports);

// Calls one function by its WIT name ("[method]descriptor.open-at", "get-directories", …) with
// arguments as the canonical ABI lifts them (handles as their reps). For tests, which drive the
// host side without a guest. NotFound for an unknown name.
core::Result<core::Value> call_filesystem(const std::string& func, CallState& st, const core::Array& args);

}  // namespace wirt::wasi

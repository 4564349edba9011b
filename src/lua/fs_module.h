// Internals shared by the `fs` module's files (fs_module.cc: fs.get and the FS object;
// fs_file.cc: File and Scanner objects). See fs_module.cc for the module's contract.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "lua/call_cleanup.h"
#include "lua/lua.h"

namespace wirt::lua::fsmod {

// Longest read one File:read() or Scanner token may return, and the cap on readfile (besides
// the state's memory limit): file I/O is bounded per call.
inline constexpr size_t kMaxReadChunk = size_t(16) << 20;
inline constexpr size_t kMaxToken = size_t(1) << 20;
// Files one Lua state may have open at once (ResourceBudget "fs.files").
inline constexpr size_t kMaxOpenFiles = 256;

// An open descriptor, shared by a File and the Scanners made from it; closed once.
struct FileHandle {
  int fd = -1;
  std::string path;  // as the script named it, for messages
  bool readable = false;
  bool writable = false;
  std::shared_ptr<ResourceBudget> budget;  // released when closed
  ~FileHandle();
  void close();
};

// The error for a failed system call on `path` (-errno style `err`), kinds as the reference:
// ENOENT NotFound, EEXIST AlreadyExists, EXDEV/ELOOP (leaving the root) Invalid "path traversal
// not allowed", EACCES PermissionDenied, ENOTDIR/EISDIR/ENOTEMPTY Invalid, else Internal.
core::Error errno_error(const char* op, const std::string& path, int err);

// Writes all of p[0..n) to fd (retrying short writes and EINTR).
core::Status write_all(int fd, const char* p, size_t n, const std::string& path);
// Pushes a File object for an open descriptor (registered for end-of-call closing).
void push_file(lua_State* L, std::shared_ptr<FileHandle> handle);
// Pushes the stat table of fd (name = `name`): name, size, mode, modified, is_dir, type.
core::Status push_stat(lua_State* L, int fd, const std::string& name);
// Registers the File and Scanner classes.
void define_file_classes(lua_State* L);

}  // namespace wirt::lua::fsmod

// fs.directory entries (reference-platform §2 "fs.directory") and the registry of filesystems
// that function.wasm (`fs:`) and WASI mounts look up by entry id.
//
// A Directory confines every path to its root: `..` and symlinks that would leave the root are
// refused. `mode` is an octal string; only the owner bits count (0400 read, 0200 write), so
// "0555" gives a read-only filesystem. Immutable after boot: safe to share between threads.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "registry/entry.h"

namespace wirt::host {

class Directory {
 public:
  // Opens the root (O_PATH) once: the anchor of kernel-confined lookups (core/open_beneath.h).
  Directory(std::string id, std::filesystem::path root, bool readable, bool writable);
  ~Directory();
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  const std::string& id() const { return id_; }
  const std::filesystem::path& root() const { return root_; }
  bool readable() const { return readable_; }
  bool writable() const { return writable_; }
  // A descriptor of the root folder for openat2(RESOLVE_BENEATH) lookups (-1 if it could not
  // be opened); owned by the Directory.
  int root_fd() const { return root_fd_; }

  // The host path for `path` inside this filesystem ("/x.wasm" and "x.wasm" alike), after
  // resolving symlinks; Invalid when it would leave the root.
  core::Result<std::filesystem::path> resolve(std::string_view path) const;
  // Reads a whole file (NotFound when missing or a folder, PermissionDenied when not readable,
  // Internal when read(2) fails).
  core::Result<std::string> read_file(std::string_view path) const;

 private:
  std::string id_;
  std::filesystem::path root_;
  bool readable_;
  bool writable_;
  int root_fd_ = -1;
};

class FsRegistry {
 public:
  // Validates an fs.directory entry and adds it. Relative `directory` paths resolve against
  // `app_root` (DESIGN §1.1), whatever the process's current folder is.
  core::Status add(const registry::Entry& entry, const std::filesystem::path& app_root);
  // nullptr when there is no filesystem with that id.
  const Directory* find(const std::string& id) const;

 private:
  std::map<std::string, std::shared_ptr<const Directory>> dirs_;
};

}  // namespace wirt::host

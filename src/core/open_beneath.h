// wirt::core::open_beneath — open a path beneath a directory, confined by the kernel.
//
// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: `..` chains, absolute paths and
// symlinks (absolute, or relative ones climbing out) that would leave the directory fail with
// EXDEV, decided by the kernel during the lookup instead of by string rules in user space (which
// race with renames). Used by every place that serves files from a confined folder: WASI mounts
// (src/wasi/mounts.h) and http.static (src/http/static_files.cc). Needs Linux >= 5.6.
//
// Also UniqueFd (closes on scope exit) and clean_path (lexical, for display). Stateless;
// thread-safe.
#pragma once

#include <sys/types.h>

#include <string>

namespace wirt::core {

// Opens `path` beneath `dirfd` (open(2) `flags` and `mode`); the new fd, or -errno (-EXDEV for a
// path that would leave the folder). O_CLOEXEC is always added. An empty path is -ENOENT.
int open_beneath(int dirfd, const std::string& path, int flags, mode_t mode = 0);

// Owns a descriptor (such as open_beneath's) and closes it when it goes out of scope; `fd` < 0
// holds nothing (a -errno result may be stored as is).
struct UniqueFd {
  int fd = -1;
  explicit UniqueFd(int f) : fd(f) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
};

// Lexical clean of a "/"-separated path, as Go's path.Clean of an absolute path: "." and empty
// parts dropped, ".." removes the part before it (never above "/"); always starts with "/".
// Not a confinement check (that is the kernel's, above): for names shown and compared.
std::string clean_path(const std::string& path);

}  // namespace wirt::core

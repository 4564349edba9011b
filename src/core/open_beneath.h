// wirt::core::open_beneath — open a path beneath a directory, confined by the kernel.
//
// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: `..` chains, absolute paths and
// symlinks (absolute, or relative ones climbing out) that would leave the directory fail with
// EXDEV, decided by the kernel during the lookup instead of by string rules in user space (which
// race with renames). Used by every place that serves files from a confined folder: WASI mounts
// (src/wasi/mounts.h) and http.static (src/http/static_files.cc). Needs Linux >= 5.6.
//
// Stateless; thread-safe.
#pragma once

#include <sys/types.h>

#include <string>

namespace wirt::core {

// Opens `path` beneath `dirfd` (open(2) `flags` and `mode`); the new fd, or -errno (-EXDEV for a
// path that would leave the folder). O_CLOEXEC is always added. An empty path is -ENOENT.
int open_beneath(int dirfd, const std::string& path, int flags, mode_t mode = 0);

}  // namespace wirt::core

// Kernel-confined path resolution beneath a mount's directory (the WASI preopens of
// preview1_fs.h). Every path a guest names is resolved by the kernel with openat2(2) and
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: `..` chains, absolute paths and symlinks (absolute,
// or relative ones climbing out) that would leave the directory fail with EXDEV instead of
// being checked by string rules in user space, which races with renames.
//
// Operations without an openat2 form (mkdirat, unlinkat, renameat, symlinkat, readlinkat,
// linkat, utimensat) act on the final component inside its parent directory, itself opened
// beneath the mount (open_parent); a final `..` is refused there, since it would name the
// parent of the mount.
//
// Stateless functions over file descriptors; thread-safe.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/open_beneath.h"

namespace wirt::wasi {

// A host folder a guest sees at `guest` (its preopen name: an absolute path, or "/" for its
// root). Plain data.
struct HostMount {
  std::string host, guest;
  bool read_only = false;
};

}  // namespace wirt::wasi

namespace wirt::wasi::mounts {

// Returned (negated) for a path that would leave the mount: EXDEV is what openat2 gives for
// it; callers map it to WASI `notcapable` (it never means a cross-device rename here).
inline constexpr int kEscapes = 18;  // EXDEV

// Opens `path` beneath `dirfd` (open(2) `flags` and `mode`); the new fd, or -errno. O_CLOEXEC
// is always added. An empty path is -ENOENT.
using core::open_beneath;

// The parent directory of `path`'s final component, opened beneath `dirfd`, and the final
// component itself with any trailing slashes kept (the kernel then applies POSIX's rule that
// a trailing slash names a directory). Closes its fd.
struct Parent {
  int fd = -1;
  std::string name;
  Parent() = default;
  Parent(const Parent&) = delete;
  Parent& operator=(const Parent&) = delete;
  ~Parent();
};
// 0 or -errno (-kEscapes for a path leaving the mount or ending in `..`).
int open_parent(int dirfd, const std::string& path, Parent& out);

}  // namespace wirt::wasi::mounts

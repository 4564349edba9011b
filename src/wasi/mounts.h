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
// The path operations below are shared by preview1 (preview1_fs.cc) and wasi:filesystem
// (filesystem_types.cc): one confinement mechanism, each returning 0 or -errno.
//
// Stateless functions over file descriptors; thread-safe.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

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

// Longest path a guest may name (bytes; the kernel's PATH_MAX less the terminating NUL):
// longer ones are `nametoolong`/`name-too-long` before any lookup.
inline constexpr size_t kMaxPath = 4095;

// stat of `path` beneath `dirfd` (`follow`: a final symlink is followed, inside the mount).
int stat_at(int dirfd, const std::string& path, bool follow, struct stat& out);
// utimensat of `path` (times as utimensat's, UTIME_NOW/UTIME_OMIT allowed). The file is opened
// beneath the mount first and changed through its descriptor, so a link is never followed out.
int set_times_at(int dirfd, const std::string& path, bool follow, const timespec times[2]);
int create_directory_at(int dirfd, const std::string& path);
int remove_directory_at(int dirfd, const std::string& path);
int unlink_file_at(int dirfd, const std::string& path);
int rename_at(int old_dirfd, const std::string& old_path, int new_dirfd, const std::string& new_path);
// A symlink at `path` to `target`. An absolute target could never resolve inside the mount
// (RESOLVE_BENEATH refuses it): refused at creation with -EPERM, as wasmtime does. A relative
// one may point anywhere; following it is what stays confined.
int symlink_at(const std::string& target, int dirfd, const std::string& path);
// The target of the symlink at `path` (whole, at most PATH_MAX bytes).
int readlink_at(int dirfd, const std::string& path, std::string& out);
// A hard link at `new_path` to `old_path` (`follow`: a final symlink of the source is
// followed, beneath its mount).
int link_at(int old_dirfd, const std::string& old_path, bool follow, int new_dirfd, const std::string& new_path);

}  // namespace wirt::wasi::mounts

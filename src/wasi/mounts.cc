#include "wasi/mounts.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace wirt::wasi::mounts {

int open_beneath(int dirfd, const std::string& path, int flags, mode_t mode) {
  if (path.empty()) return -ENOENT;
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // The kernel rejects a mode without O_CREAT/O_TMPFILE (EINVAL).
  // (O_TMPFILE contains O_DIRECTORY's bit: test it whole.)
  how.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    long fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a concurrent rename raced the lookup (openat2(2)); retrying is what it asks for.
    if (errno == EAGAIN && attempt < 8) continue;
    if (errno == EINTR) continue;
    return -errno;
  }
}

Parent::~Parent() {
  if (fd >= 0) ::close(fd);
}

int open_parent(int dirfd, const std::string& path, Parent& out) {
  if (path.empty()) return -ENOENT;
  size_t end = path.find_last_not_of('/');
  if (end == std::string::npos) return -kEscapes;  // "/" alone: absolute
  size_t slash = path.rfind('/', end);
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  std::string last = path.substr(slash == std::string::npos ? 0 : slash + 1, end - (slash == std::string::npos ? 0 : slash + 1) + 1);
  // `..` as the last component names the directory above `dir`, which may be the mount's own
  // parent: never act on it (WASI: notcapable, as for any path leaving the preopen).
  if (last == "..") return -kEscapes;
  int fd = open_beneath(dirfd, dir, O_PATH | O_DIRECTORY);
  if (fd < 0) return fd;
  out.fd = fd;
  out.name = path.substr(slash == std::string::npos ? 0 : slash + 1);  // trailing slashes kept
  return 0;
}

}  // namespace wirt::wasi::mounts

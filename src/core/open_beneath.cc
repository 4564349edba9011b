#include "core/open_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace wirt::core {

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

}  // namespace wirt::core

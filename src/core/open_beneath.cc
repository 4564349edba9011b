#include "core/open_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

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

UniqueFd::~UniqueFd() {
  if (fd >= 0) ::close(fd);
}

std::string clean_path(const std::string& p) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string part = p.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

}  // namespace wirt::core

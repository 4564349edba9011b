#include "wasi/mounts.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace wirt::wasi::mounts {

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

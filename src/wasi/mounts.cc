#include "wasi/mounts.h"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cerrno>

#include <fmt/format.h>

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

namespace {
int status(int rc) { return rc == 0 ? 0 : -errno; }
// Runs fn(parent_fd, name) on `path`'s final component inside its parent opened beneath dirfd.
template <typename Fn>
int in_parent(int dirfd, const std::string& path, Fn fn) {
  Parent p;
  if (int rc = open_parent(dirfd, path, p); rc < 0) return rc;
  return status(fn(p.fd, p.name.c_str()));
}
// An O_PATH descriptor of `path` beneath dirfd (the link itself unless `follow`).
int open_path(int dirfd, const std::string& path, bool follow) {
  return open_beneath(dirfd, path, O_PATH | (follow ? 0 : O_NOFOLLOW));
}
}  // namespace

int stat_at(int dirfd, const std::string& path, bool follow, struct stat& out) {
  // O_PATH (with O_NOFOLLOW: the link itself) keeps `..` inside and the lookup in the kernel.
  int fd = open_path(dirfd, path, follow);
  if (fd < 0) return fd;
  int rc = status(::fstat(fd, &out));
  ::close(fd);
  return rc;
}

int set_times_at(int dirfd, const std::string& path, bool follow, const timespec times[2]) {
  int fd = open_path(dirfd, path, follow);
  if (fd < 0) return fd;
  struct stat st;
  int rc;
  if (::fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
    // The link itself (not followed): changed by name inside its parent, never followed.
    rc = in_parent(dirfd, path, [&](int pfd, const char* name) { return ::utimensat(pfd, name, times, AT_SYMLINK_NOFOLLOW); });
  } else {
    rc = status(::utimensat(AT_FDCWD, fmt::format("/proc/self/fd/{}", fd).c_str(), times, 0));
  }
  ::close(fd);
  return rc;
}

int create_directory_at(int dirfd, const std::string& path) {
  return in_parent(dirfd, path, [](int pfd, const char* name) { return ::mkdirat(pfd, name, 0777); });
}
int remove_directory_at(int dirfd, const std::string& path) {
  return in_parent(dirfd, path, [](int pfd, const char* name) { return ::unlinkat(pfd, name, AT_REMOVEDIR); });
}
int unlink_file_at(int dirfd, const std::string& path) {
  // POSIX: "file/" names a directory; unlinkat says EISDIR/ENOTDIR accordingly.
  return in_parent(dirfd, path, [](int pfd, const char* name) { return ::unlinkat(pfd, name, 0); });
}

int rename_at(int old_dirfd, const std::string& old_path, int new_dirfd, const std::string& new_path) {
  Parent from, to;
  if (int rc = open_parent(old_dirfd, old_path, from); rc < 0) return rc;
  if (int rc = open_parent(new_dirfd, new_path, to); rc < 0) return rc;
  return status(::renameat(from.fd, from.name.c_str(), to.fd, to.name.c_str()));
}

int symlink_at(const std::string& target, int dirfd, const std::string& path) {
  if (!target.empty() && target[0] == '/') return -EPERM;
  return in_parent(dirfd, path, [&](int pfd, const char* name) { return ::symlinkat(target.c_str(), pfd, name); });
}

int readlink_at(int dirfd, const std::string& path, std::string& out) {
  char buf[PATH_MAX];
  ssize_t n = -1;
  int rc = in_parent(dirfd, path, [&](int pfd, const char* name) {
    n = ::readlinkat(pfd, name, buf, sizeof buf);
    return n < 0 ? -1 : 0;
  });
  if (rc == 0) out.assign(buf, size_t(n));
  return rc;
}

int link_at(int old_dirfd, const std::string& old_path, bool follow, int new_dirfd, const std::string& new_path) {
  Parent to;
  if (int rc = open_parent(new_dirfd, new_path, to); rc < 0) return rc;
  if (follow) {
    // Follow the source beneath its mount, then link the file it names by its /proc name.
    int fd = open_path(old_dirfd, old_path, true);
    if (fd < 0) return fd;
    int rc = status(::linkat(AT_FDCWD, fmt::format("/proc/self/fd/{}", fd).c_str(), to.fd, to.name.c_str(), AT_SYMLINK_FOLLOW));
    ::close(fd);
    return rc;
  }
  Parent from;
  if (int rc = open_parent(old_dirfd, old_path, from); rc < 0) return rc;
  return status(::linkat(from.fd, from.name.c_str(), to.fd, to.name.c_str(), 0));
}

}  // namespace wirt::wasi::mounts

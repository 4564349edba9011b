#include "app/file_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/log.h"

namespace wirt::app {

namespace fs = std::filesystem;

namespace {

// What a save, a create, a delete or a rename looks like; IN_MODIFY is left out on purpose
// (a large write is many of them; IN_CLOSE_WRITE ends it).
constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |
                           IN_DELETE_SELF | IN_ONLYDIR;

bool skipped_folder(const std::string& name) { return name.empty() || name.front() == '.' || name == "node_modules"; }

}  // namespace

bool is_relevant_file_name(const std::string& name) {
  if (name.empty()) return false;
  if (name.front() == '.' && name != ".wippy.yaml") return false;
  if (name.back() == '~') return false;
  auto ends_with = [&](const char* s) {
    size_t n = std::strlen(s);
    return name.size() >= n && name.compare(name.size() - n, n, s) == 0;
  };
  return !ends_with(".swp") && !ends_with(".swx");
}

core::Result<std::unique_ptr<FileWatcher>> FileWatcher::start(const fs::path& root, std::chrono::milliseconds quiet,
                                                              Callback callback) {
  std::unique_ptr<FileWatcher> w(new FileWatcher());
  w->quiet_ = quiet;
  w->callback_ = std::move(callback);
  w->inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->inotify_fd_ < 0) return core::unavailable(fmt::format("--watch: inotify_init1: {}", std::strerror(errno)));
  w->stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w->stop_fd_ < 0) return core::unavailable(fmt::format("--watch: eventfd: {}", std::strerror(errno)));
  WIRT_TRY(w->watch_tree(root, true));
  w->thread_ = std::thread([p = w.get()] { p->run(); });
  return w;
}

FileWatcher::~FileWatcher() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

core::Status FileWatcher::watch_tree(const fs::path& dir, bool is_root) {
  int wd = inotify_add_watch(inotify_fd_, dir.c_str(), kMask);
  if (wd < 0) {
    int err = errno;
    if (!is_root && (err == ENOENT || err == ENOTDIR)) return {};  // gone again before we got to it
    std::string hint = err == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "";
    return core::unavailable(fmt::format("--watch: cannot watch {}: {}{}", dir.string(), std::strerror(err), hint));
  }
  dirs_[wd] = dir;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code sec;
    if (it->is_symlink(sec) || !it->is_directory(sec)) continue;  // symlinked folders: not followed, as the loader
    if (skipped_folder(it->path().filename().string())) continue;
    WIRT_TRY(watch_tree(it->path(), false));
  }
  return {};
}

void FileWatcher::drain(std::vector<fs::path>* changed) {
  alignas(inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n <= 0) return;  // EAGAIN: all read
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        // Events were lost: something changed; the reload reads everything anyway.
        changed->push_back(fs::path());
        continue;
      }
      auto dir = dirs_.find(ev->wd);
      if (dir == dirs_.end()) continue;
      if (ev->mask & IN_IGNORED) {
        dirs_.erase(dir);
        continue;
      }
      if (ev->mask & IN_DELETE_SELF) continue;  // its parent reports the delete
      std::string name = ev->len ? std::string(ev->name) : std::string();
      fs::path path = dir->second / name;
      if (ev->mask & IN_ISDIR) {
        if (skipped_folder(name)) continue;
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
          // A new folder (maybe already holding files, e.g. moved in): watch it and count it.
          if (auto st = watch_tree(path, false); !st) core::log_warn("{}", st.error().message());
        }
        changed->push_back(path);
        continue;
      }
      if (!is_relevant_file_name(name)) continue;
      changed->push_back(path);
    }
  }
}

void FileWatcher::run() {
  std::vector<fs::path> changed;
  auto last_event = std::chrono::steady_clock::now();
  for (;;) {
    int timeout = -1;
    if (!changed.empty()) {
      auto left = quiet_ - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - last_event);
      timeout = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int r = ::poll(fds, 2, timeout);
    if (r < 0 && errno != EINTR) {
      core::log_warn("--watch: poll: {}; watching stops", std::strerror(errno));
      return;
    }
    if (fds[1].revents) return;
    if (r > 0 && fds[0].revents) {
      size_t before = changed.size();
      drain(&changed);
      if (changed.size() != before) last_event = std::chrono::steady_clock::now();
      continue;
    }
    if (!changed.empty() && std::chrono::steady_clock::now() - last_event >= quiet_) {
      std::sort(changed.begin(), changed.end());
      changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
      callback_(changed);
      changed.clear();
    }
  }
}

}  // namespace wirt::app

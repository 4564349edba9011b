// wirt::app::FileWatcher — tells when files below an app folder change (`wirt run --watch`).
//
// Linux inotify (the plain kernel API from glibc: no package, no polling): every folder below
// the root is watched — folders created later too — except hidden folders and node_modules,
// which the loader skips as well. Why inotify and not polling: a save is seen within
// milliseconds whatever the app's size, and an idle app costs nothing; polling would stat every
// file each interval and still see a save only at the next tick.
//
// Bursts are debounced: the callback runs once `quiet` has passed with no event, with every
// path that changed in the burst (an editor's write-rename-chmod, or `cp` of several files,
// is one reload). Editor droppings (hidden files other than .wippy.yaml, `*~`, `*.swp`) are
// ignored.
//
// Thread-safety: the callback runs on the watcher's own thread, one call at a time; the
// destructor stops the thread (waiting for a callback in progress).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace wirt::app {

class FileWatcher {
 public:
  using Callback = std::function<void(const std::vector<std::filesystem::path>& changed)>;

  // Starts watching `root`. Unavailable (naming the folder and the reason, e.g. the inotify
  // watch limit) when the kernel refuses.
  static core::Result<std::unique_ptr<FileWatcher>> start(const std::filesystem::path& root,
                                                          std::chrono::milliseconds quiet, Callback callback);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

 private:
  FileWatcher() = default;
  core::Status watch_tree(const std::filesystem::path& dir, bool is_root);
  void run();
  // Reads the queued events; appends the changed paths.
  void drain(std::vector<std::filesystem::path>* changed);

  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: the destructor's wake-up
  std::chrono::milliseconds quiet_{0};
  Callback callback_;
  std::unordered_map<int, std::filesystem::path> dirs_;  // watch descriptor → folder
  std::thread thread_;
};

// Whether a changed file named `name` can matter to the app (see above).
bool is_relevant_file_name(const std::string& name);

}  // namespace wirt::app

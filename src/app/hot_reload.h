// wirt::app::HotReload — `wirt run --watch`: a FileWatcher on the app folder whose debounced
// bursts run a Reloader transaction (app/reload.h) and log its outcome. Settings files that
// are read once at start (.wippy.yaml, wippy.lock) get a "needs a restart" warning instead.
//
// Thread-safety: made and destroyed on the main thread; reloads run on the watcher's thread,
// one at a time. Destroy it before the app stops (a reload in progress finishes first).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "app/file_watcher.h"
#include "app/reload.h"
#include "core/result.h"

namespace wirt::app {

class App;

// How long a folder must be quiet before a burst of saves is applied.
inline constexpr std::chrono::milliseconds kReloadQuietPeriod{150};

using ReloadListener = std::function<void(const ReloadOutcome&)>;

class HotReload {
 public:
  ~HotReload();  // stops watching first: the reloader outlives every callback

 private:
  friend core::Result<std::unique_ptr<HotReload>> start_hot_reload(App& app, std::function<void(const ReloadOutcome&)> on_applied);
  explicit HotReload(App* app) : reloader_(app) {}
  Reloader reloader_;
  std::unique_ptr<FileWatcher> watcher_;
};

// `on_applied`, when given, runs on the watcher's thread after each applied reload (e.g. the
// cluster membership re-advertises the served function ids).
core::Result<std::unique_ptr<HotReload>> start_hot_reload(App& app, ReloadListener on_applied = {});

}  // namespace wirt::app

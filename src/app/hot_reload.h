// wirt::app::HotReload — `wirt run --watch`: a FileWatcher on the app folder whose debounced
// bursts run a Reloader transaction (app/reload.h) and log its outcome. Settings files that
// are read once at start (.wippy.yaml, wippy.lock) get a "needs a restart" warning instead.
//
// Thread-safety: made and destroyed on the main thread; reloads run on the watcher's thread,
// one at a time. Destroy it before the app stops (a reload in progress finishes first).
#pragma once

#include <chrono>
#include <memory>

#include "app/file_watcher.h"
#include "app/reload.h"
#include "core/result.h"

namespace wirt::app {

class App;

// How long a folder must be quiet before a burst of saves is applied.
inline constexpr std::chrono::milliseconds kReloadQuietPeriod{150};

class HotReload {
 public:
  ~HotReload();  // stops watching first: the reloader outlives every callback

 private:
  friend core::Result<std::unique_ptr<HotReload>> start_hot_reload(App& app);
  explicit HotReload(Reloader* reloader) : reloader_(reloader) {}
  Reloader* reloader_;  // the app's (App::reloader())
  std::unique_ptr<FileWatcher> watcher_;
};

core::Result<std::unique_ptr<HotReload>> start_hot_reload(App& app);

}  // namespace wirt::app

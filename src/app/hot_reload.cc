#include "app/hot_reload.h"

#include <fmt/format.h>

#include "app/app.h"
#include "core/log.h"
#include "registry/loader.h"

namespace wirt::app {

HotReload::~HotReload() { watcher_.reset(); }

core::Result<std::unique_ptr<HotReload>> start_hot_reload(App& app) {
  std::unique_ptr<HotReload> h(new HotReload(&app.reloader()));
  const registry::AppPaths paths = app.paths();
  auto watcher = FileWatcher::start(paths.root, kReloadQuietPeriod,
                                    [reloader = h->reloader_, paths](const std::vector<std::filesystem::path>& changed) {
    for (const auto& p : changed) {
      std::string name = p.filename().string();
      // Read once at start: scheduler, engine and cluster settings; where the sources live.
      if (name == ".wippy.yaml" || name == "wippy.lock") {
        core::log_warn("reload: {} changed: needs a restart (its settings are read at start)",
                       registry::display_path(p, paths));
      }
    }
    log_outcome(reloader->reload());
  });
  if (!watcher) return std::move(watcher).error();
  h->watcher_ = std::move(*watcher);
  fmt::print(stderr, "wirt: watching {} for changes\n", paths.root.string());
  return h;
}

}  // namespace wirt::app

// wirt::app::Reloader — hot reload: the app's entry files are loaded again and the changes are
// applied to the running app as ONE transaction (issue 12 item 4; the reference's manager
// builds a new pool generation and retires the old one, reference-platform "Can be left out").
//
// What a reload does:
//  - the whole entry set is loaded and checked as `wirt check` does; any problem (YAML error,
//    bad entry, unresolved import, WASM that does not compile, a route to a missing function)
//    rejects the change: nothing changes, the running version keeps serving, every problem is
//    in the outcome;
//  - otherwise a new generation of the function layer is built — every function.lua,
//    library.lua, function.wat and function.wasm entry with its own Lua states and WASM
//    instance pools, and env/fs entries — and published into the app's function table at
//    once (sched/functions.h): calls in flight finish on the old generation, new calls use the
//    new one, and the old Lua states and instance pools are freed when their last call ends;
//  - HTTP routes are rebuilt from the http.router / http.endpoint / http.static entries and
//    swapped on the running listeners (requests already routed finish on the old routes);
//  - entries of kinds that own running things (http.service, process.host, terminal.host,
//    process.lua, process.wasm, process.service, security.policy) keep their running
//    definition: a change to one is reported in `restart_needed` and applies on the next start.
//
// The same transaction applies entry lists edited in memory: apply() (registry/changes.h) is
// what Lua's `registry` changesets and apply_version use. Such changes are not written to the
// files, so a later reload from the files replaces them with what the files say.
//
// Thread-safety: one transaction at a time (a mutex): reload() from a non-worker thread (the
// watcher's), apply() from a fiber or a non-worker thread. A fiber never blocks its worker on
// the mutex: it polls, sleeping between tries, while another transaction runs. The app's
// workers keep serving meanwhile.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "registry/changes.h"
#include "registry/entry.h"

namespace wirt::app {

class App;

struct ReloadOutcome {
  bool applied = false;                   // a new generation serves
  uint64_t generation = 0;                // its number (1 = the first reload)
  uint64_t version = 0;                   // the registry version it published (registry/store.h)
  std::vector<std::string> added, removed, changed;  // entry ids, as loaded from the files
  std::vector<std::string> restart_needed;  // "entry <id> (<kind>): ..." messages
  std::vector<core::Error> problems;        // why the change was rejected (as `wirt check`)
};

// Whether a change to an entry of `kind` waits for a restart (see above).
bool kind_needs_restart(const std::string& kind);

class Reloader : public registry::Writer {
 public:
  explicit Reloader(App* app) : app_(app) {}
  // Loads the files again and applies them (see above).
  ReloadOutcome reload();
  // Applies edit(running entries) (see above). A transaction that rejects the result is
  // Internal ("apply changes: " and every problem, the reference's kind for a failed Apply);
  // an error of `edit` itself is returned as it is, nothing applied.
  [[nodiscard]] core::Result<uint64_t> apply(const registry::Edit& edit) override;
  // Runs after every applied transaction (a file reload or a Lua change), on the thread that
  // applied it, with the transaction lock held (so listeners see changes in order): e.g. the
  // cluster membership re-advertises the served function ids. Replacing it waits for a
  // transaction in progress.
  using Listener = std::function<void(const ReloadOutcome&)>;
  void on_applied(Listener listener) {
    std::lock_guard lk(mu_);
    on_applied_ = std::move(listener);
  }

 private:
  // The transaction proper, on `loaded` as the wanted entry list; mu_ held.
  ReloadOutcome transact(const std::vector<registry::Entry>& loaded);
  // Takes mu_ (polling on a fiber, see above); on a fiber gives up after kLockWait (Unavailable:
  // e.g. a Lua chunk whose top level applies a change while its own transaction verifies it).
  core::Result<std::unique_lock<std::mutex>> lock();
  static constexpr std::chrono::seconds kLockWait{30};

  App* app_;
  Listener on_applied_;
  std::mutex mu_;
  uint64_t generation_ = 0;
};

// Logs an outcome: info for an applied reload, a warning per restart-needed change, an error
// per problem and a final "reload rejected" line.
void log_outcome(const ReloadOutcome& outcome);

}  // namespace wirt::app

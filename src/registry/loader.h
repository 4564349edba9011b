// Loading an application folder (reference-platform §1.1, DESIGN §1.1).
//
// find_app locates the app root and source folder; load_app walks the source folder and turns
// every entry file into entries. Loading never stops at the first problem: a LoadReport carries
// every error found, so one boot attempt shows the user everything to fix.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/result.h"
#include "registry/entry.h"

namespace wirt::registry {

struct AppPaths {
  std::filesystem::path root;  // the app folder: absolute, canonical; relative paths resolve here
  std::filesystem::path src;   // where entry files live: absolute
};

// `dir/wippy.lock` -> its `directories.src` (relative to the lock file, default ./src);
// else `dir/src` when it is a folder; else `dir` itself.
// Errors: NotFound for a missing dir or a missing lock-declared src, Invalid for a bad lock file.
core::Result<AppPaths> find_app(const std::filesystem::path& dir);

struct LoadReport {
  AppPaths paths;
  std::vector<Entry> entries;          // unique ids, in load order (sorted walk, definition order)
  std::vector<std::string> warnings;   // also logged with log_warn
  std::vector<core::Error> errors;     // each "<file>[:line[:col]]: [entry <id>: ]<reason>"

  bool ok() const { return errors.empty(); }
};

// find_app + load_entries. A find_app failure is the report's only error.
LoadReport load_app(const std::filesystem::path& dir);

// Loads every .yaml/.yml/.json file below paths.src (sorted, recursive; `node_modules`, hidden
// folders and symlinked folders are skipped, as the reference's WalkDir does).
LoadReport load_entries(const AppPaths& paths);

// `path` relative to the app root with '/' separators, as messages print it.
std::string display_path(const std::filesystem::path& path, const AppPaths& paths);

}  // namespace wirt::registry

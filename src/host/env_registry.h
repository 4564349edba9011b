// env.storage.* and env.variable entries (reference-platform §2 "Env entries") and the lookup
// `wasi.env` uses at call time (reference-wasm-runtime §7.3): a variable is found by its public
// name, then by its entry id; an empty value counts as unset; `default` is not applied there.
//
// Storages: os (read-only process environment), static (`values:`), memory (read/write),
// file (`file_path`, .env format, `auto_create`), router (`storages:`: the first that has the
// key wins on read; writes go to the first). Thread-safe after boot (memory/file storages lock).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.h"
#include "registry/entry.h"

namespace wirt::host {

class EnvStorage {
 public:
  virtual ~EnvStorage() = default;
  virtual std::optional<std::string> get(const std::string& key) = 0;
  virtual core::Status set(const std::string& key, const std::string& value) = 0;
};

struct EnvVariable {
  std::string id;        // entry id
  std::string storage;   // storage entry id
  std::string variable;  // public name ("" = none)
  std::optional<std::string> default_value;
  bool readonly = false;
  // The key looked up in the storage: `variable` when set, else the entry id.
  const std::string& key() const { return variable.empty() ? id : variable; }
};

class EnvRegistry {
 public:
  bool handles(const std::string& kind) const;
  // Storages must be added before the variables that use them (dependency order does that).
  core::Status add(const registry::Entry& entry, const std::filesystem::path& app_root);

  // Resolves a wasi.env item's id at call time: public name, then entry id, then
  // `<caller_ns>:<name>` for a bare name. nullopt when unset or empty.
  core::Result<std::optional<std::string>> lookup(const std::string& id, const std::string& caller_ns) const;

  // The Lua `env` module's view (reference system/env/registry.go Get/Set/All), same name
  // resolution as lookup(). get applies `default`; an unknown or unset variable is NotFound
  // "environment variable not found". set refuses `readonly` variables (PermissionDenied).
  core::Result<std::string> get(const std::string& name, const std::string& caller_ns) const;
  core::Status set(const std::string& name, const std::string& value, const std::string& caller_ns) const;
  // Every declared variable that has a value (or a default), by public name (else entry id).
  std::map<std::string, std::string> all() const;

 private:
  const EnvVariable* find_variable(const std::string& id, const std::string& caller_ns) const;
  std::map<std::string, std::shared_ptr<EnvStorage>> storages_;
  std::map<std::string, EnvVariable> variables_;  // by entry id
};

}  // namespace wirt::host

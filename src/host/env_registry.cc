#include "host/env_registry.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace wirt::host {

namespace fs = std::filesystem;

namespace {

class OsStorage final : public EnvStorage {
 public:
  std::optional<std::string> get(const std::string& key) override {
    const char* v = std::getenv(key.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  }
  core::Status set(const std::string& key, const std::string&) override {
    return core::permission_denied(fmt::format("env.storage.os is read-only: {}", key));
  }
};

class MapStorage : public EnvStorage {
 public:
  explicit MapStorage(bool writable) : writable_(writable) {}
  std::optional<std::string> get(const std::string& key) override {
    std::lock_guard lock(mu_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  core::Status set(const std::string& key, const std::string& value) override {
    if (!writable_) return core::permission_denied(fmt::format("storage is read-only: {}", key));
    std::lock_guard lock(mu_);
    values_[key] = value;
    return persist();
  }
  void put(std::string k, std::string v) { values_[std::move(k)] = std::move(v); }

 protected:
  virtual core::Status persist() { return {}; }
  std::mutex mu_;
  std::map<std::string, std::string> values_;
  bool writable_;
};

// `.env` files: KEY=value lines, `#` comments, optional `export `, optional quotes.
class FileStorage final : public MapStorage {
 public:
  explicit FileStorage(fs::path path) : MapStorage(true), path_(std::move(path)) {}
  core::Status load() {
    std::ifstream in(path_);
    if (!in) return core::not_found(fmt::format("env file not found: {}", path_.string()));
    std::string line;
    while (std::getline(in, line)) {
      size_t start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] == '#') continue;
      line = line.substr(start);
      if (line.rfind("export ", 0) == 0) line = line.substr(7);
      size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
      }
      values_[key] = value;
    }
    return {};
  }

 private:
  core::Status persist() override {
    std::ofstream out(path_, std::ios::trunc);
    if (!out) return core::unavailable(fmt::format("cannot write env file {}", path_.string()));
    for (const auto& [k, v] : values_) out << k << "=" << v << "\n";
    return {};
  }
  fs::path path_;
};

class RouterStorage final : public EnvStorage {
 public:
  explicit RouterStorage(std::vector<std::shared_ptr<EnvStorage>> s) : storages_(std::move(s)) {}
  std::optional<std::string> get(const std::string& key) override {
    for (auto& s : storages_)
      if (auto v = s->get(key)) return v;
    return std::nullopt;
  }
  core::Status set(const std::string& key, const std::string& value) override {
    if (storages_.empty()) return core::unavailable("env.storage.router has no storages");
    return storages_.front()->set(key, value);
  }

 private:
  std::vector<std::shared_ptr<EnvStorage>> storages_;
};

std::string scalar_text(const core::Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_float()) return fmt::format("{}", v.as_float());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return "";
}

}  // namespace

bool EnvRegistry::handles(const std::string& kind) const {
  return kind == "env.variable" || kind.rfind("env.storage.", 0) == 0;
}

core::Status EnvRegistry::add(const registry::Entry& entry, const fs::path& app_root) {
  const core::Value& d = entry.data;
  const std::string id = entry.id.str();
  if (entry.kind == "env.variable") {
    EnvVariable v;
    v.id = id;
    v.storage = registry::EntryId::parse(d.get_string("storage")).with_default_ns(entry.id.ns).str();
    if (d.get_string("storage").empty()) return core::invalid("storage is required");
    if (!storages_.count(v.storage)) return core::not_found(fmt::format("env storage not found: {}", v.storage));
    v.variable = d.get_string("variable");
    for (char c : v.variable) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
        return core::invalid(fmt::format("variable must match [A-Za-z0-9_]+, got {}", v.variable));
      }
    }
    if (!v.variable.empty()) {
      for (const auto& [other_id, other] : variables_) {
        if (other.variable == v.variable) return core::invalid(fmt::format("variable {} is already defined by {}", v.variable, other_id));
      }
    }
    if (const core::Value* def = d.find("default"); def && !def->is_nil()) v.default_value = scalar_text(*def);
    if (const core::Value* ro = d.find("readonly"); ro && ro->is_bool()) v.readonly = ro->as_bool();
    variables_[id] = std::move(v);
    return {};
  }
  std::shared_ptr<EnvStorage> storage;
  if (entry.kind == "env.storage.os") {
    storage = std::make_shared<OsStorage>();
  } else if (entry.kind == "env.storage.static" || entry.kind == "env.storage.memory") {
    auto m = std::make_shared<MapStorage>(entry.kind == "env.storage.memory");
    if (const core::Value* values = d.find("values"); values && values->is_map()) {
      for (const auto& [k, v] : values->as_map()) m->put(k, scalar_text(v));
    }
    storage = m;
  } else if (entry.kind == "env.storage.file") {
    std::string path = d.get_string("file_path");
    if (path.empty()) return core::invalid("file_path is required");
    fs::path p = fs::path(path).is_absolute() ? fs::path(path) : app_root / path;
    const core::Value* ac = d.find("auto_create");
    if (ac && ac->is_bool() && ac->as_bool() && !fs::exists(p)) std::ofstream(p).flush();
    auto f = std::make_shared<FileStorage>(p);
    WIRT_TRY(f->load());
    storage = f;
  } else if (entry.kind == "env.storage.router") {
    std::vector<std::shared_ptr<EnvStorage>> list;
    const core::Value* ids = d.find("storages");
    if (!ids || !ids->is_array()) return core::invalid("storages: must be a list of storage ids");
    for (const auto& s : ids->as_array()) {
      std::string sid = registry::EntryId::parse(scalar_text(s)).with_default_ns(entry.id.ns).str();
      auto it = storages_.find(sid);
      if (it == storages_.end()) return core::not_found(fmt::format("env storage not found: {}", sid));
      list.push_back(it->second);
    }
    storage = std::make_shared<RouterStorage>(std::move(list));
  } else {
    return core::invalid(fmt::format("unknown env storage kind {}", entry.kind));
  }
  storages_[id] = std::move(storage);
  return {};
}

const EnvVariable* EnvRegistry::find_variable(const std::string& id, const std::string& caller_ns) const {
  for (const auto& [vid, v] : variables_)
    if (!v.variable.empty() && v.variable == id) return &v;
  if (auto it = variables_.find(id); it != variables_.end()) return &it->second;
  if (id.find(':') == std::string::npos) {
    if (auto it = variables_.find(caller_ns + ":" + id); it != variables_.end()) return &it->second;
  }
  return nullptr;
}

core::Result<std::optional<std::string>> EnvRegistry::lookup(const std::string& id, const std::string& caller_ns) const {
  const EnvVariable* v = find_variable(id, caller_ns);
  if (!v) return std::optional<std::string>();
  auto storage = storages_.find(v->storage);
  if (storage == storages_.end()) return core::not_found(fmt::format("env storage not found: {}", v->storage));
  auto value = storage->second->get(v->key());
  if (!value || value->empty()) return std::optional<std::string>();  // empty counts as unset
  return value;
}

core::Result<std::string> EnvRegistry::get(const std::string& name, const std::string& caller_ns) const {
  const EnvVariable* v = find_variable(name, caller_ns);
  if (!v) return core::not_found("environment variable not found").with_retryable(false);
  auto value = lookup(v->id, caller_ns);
  if (!value) return std::move(value).error();
  if (*value) return **value;
  if (v->default_value && !v->default_value->empty()) return *v->default_value;
  return core::not_found("environment variable not found").with_retryable(false);
}

core::Status EnvRegistry::set(const std::string& name, const std::string& value, const std::string& caller_ns) const {
  const EnvVariable* v = find_variable(name, caller_ns);
  if (!v) return core::not_found("environment variable not found").with_retryable(false);
  if (v->readonly) return core::permission_denied("environment variable is read-only").with_retryable(false);
  auto storage = storages_.find(v->storage);
  if (storage == storages_.end()) return core::not_found("environment storage backend not found");
  return storage->second->set(v->key(), value);
}

std::map<std::string, std::string> EnvRegistry::all() const {
  std::map<std::string, std::string> out;
  for (const auto& [id, v] : variables_) {
    auto value = get(id, "");
    if (value) out[v.variable.empty() ? id : v.variable] = *value;
  }
  return out;
}

}  // namespace wirt::host

#include "registry/loader.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "core/log.h"
#include "registry/entry_file.h"
#include "registry/yaml_value.h"

namespace wirt::registry {

namespace fs = std::filesystem;

namespace {

bool is_entry_file_name(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

core::Result<std::string> read_text(const fs::path& path, const std::string& display) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::unavailable(display + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return core::unavailable(display + ": cannot read file");
  return text.str();
}

// Reads `directories.src` from a lock file; "" when the lock does not set it.
core::Result<std::string> lock_src(const fs::path& lock) {
  auto text = read_text(lock, "wippy.lock");
  if (!text) return std::move(text).error();
  auto doc = parse_yaml_value(*text, "wippy.lock");
  if (!doc) return std::move(doc).error();
  if (doc->is_nil()) return std::string();
  if (!doc->is_map()) return core::invalid("wippy.lock: expected a mapping at the top level");
  const core::Value* dirs = doc->find("directories");
  if (!dirs || dirs->is_nil()) return std::string();
  if (!dirs->is_map()) return core::invalid("wippy.lock: directories must be a mapping");
  const core::Value* src = dirs->find("src");
  if (!src || src->is_nil()) return std::string();
  if (!src->is_string() || src->as_string().empty()) {
    return core::invalid("wippy.lock: directories.src must be a non-empty string");
  }
  return src->as_string();
}

// Collects candidate files in a deterministic order: names sorted within each folder,
// folders visited where they sort, so the load order does not depend on the filesystem.
void walk(const fs::path& dir, const AppPaths& paths, std::vector<fs::path>* files, LoadReport* report) {
  std::error_code ec;
  std::vector<fs::directory_entry> children;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    children.push_back(*it);
  }
  if (ec) {
    report->errors.push_back(core::unavailable(display_path(dir, paths) + ": cannot list folder: " + ec.message()));
    return;
  }
  std::sort(children.begin(), children.end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path().filename() < b.path().filename(); });
  for (const auto& child : children) {
    std::string name = child.path().filename().string();
    std::error_code sec;
    if (child.is_symlink(sec)) {
      // Symlinked folders are not followed (no loops, as the reference); symlinked files are.
      if (fs::is_directory(child.path(), sec)) continue;
      if (is_entry_file_name(child.path()) && fs::is_regular_file(child.path(), sec)) files->push_back(child.path());
      continue;
    }
    if (child.is_directory(sec)) {
      if (name == "node_modules" || name.front() == '.') continue;
      walk(child.path(), paths, files, report);
    } else if (child.is_regular_file(sec) && is_entry_file_name(child.path())) {
      files->push_back(child.path());
    }
  }
}

}  // namespace

std::string display_path(const fs::path& path, const AppPaths& paths) {
  fs::path rel = path.lexically_relative(paths.root);
  if (rel.empty()) return path.generic_string();
  return rel.generic_string();
}

core::Result<AppPaths> find_app(const fs::path& dir) {
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec);
  if (ec || !fs::exists(abs, ec)) return core::not_found("app folder not found: " + dir.string());
  if (!fs::is_directory(abs, ec)) return core::invalid("app folder is not a folder: " + dir.string());
  AppPaths paths;
  paths.root = fs::canonical(abs, ec);
  if (ec) return core::not_found("app folder not found: " + dir.string() + ": " + ec.message());

  fs::path lock = paths.root / "wippy.lock";
  std::error_code lec;
  if (fs::is_regular_file(lock, lec)) {
    auto src = lock_src(lock);
    if (!src) return std::move(src).error();
    std::string rel = src->empty() ? std::string("./src") : *src;
    paths.src = fs::weakly_canonical(paths.root / rel, ec);
    if (ec) paths.src = (paths.root / rel).lexically_normal();
    if (!fs::is_directory(paths.src, ec)) {
      return core::not_found("wippy.lock: directories.src " + rel + " is not a folder (" + paths.src.string() + ")");
    }
    return paths;
  }
  fs::path src = paths.root / "src";
  std::error_code dec;
  if (fs::is_directory(src, dec)) {
    std::error_code cec;
    paths.src = fs::weakly_canonical(src, cec);
    if (cec) paths.src = src;
  } else {
    paths.src = paths.root;
  }
  return paths;
}

LoadReport load_app(const fs::path& dir) {
  auto paths = find_app(dir);
  if (!paths) {
    LoadReport report;
    report.errors.push_back(std::move(paths).error());
    return report;
  }
  return load_entries(*paths);
}

LoadReport load_entries(const AppPaths& paths) {
  LoadReport report;
  report.paths = paths;
  std::vector<fs::path> files;
  walk(paths.src, paths, &files, &report);

  // Last definition wins, as the reference does; the loser is dropped where it stood and the
  // winner keeps its own place, so load order reflects the definitions that count.
  std::vector<Entry> loaded;
  std::vector<bool> dropped;
  std::unordered_map<std::string, size_t> index_of;
  for (const fs::path& file : files) {
    EntryFileContext ctx{paths.root, paths.src, file, display_path(file, paths)};
    auto text = read_text(file, ctx.display);
    if (!text) {
      report.errors.push_back(std::move(text).error());
      continue;
    }
    EntryFileResult result = parse_entry_file(*text, ctx);
    for (core::Error& e : result.errors) report.errors.push_back(std::move(e));
    for (Entry& e : result.entries) {
      std::string id = e.id.str();
      auto [it, inserted] = index_of.try_emplace(id, loaded.size());
      if (!inserted) {
        std::string warning = "duplicate entry id " + id + ": " + e.pos.str() +
                              " replaces the definition in " + loaded[it->second].pos.str();
        core::log_warn("{}", warning);
        report.warnings.push_back(std::move(warning));
        dropped[it->second] = true;
        it->second = loaded.size();
      }
      loaded.push_back(std::move(e));
      dropped.push_back(false);
    }
  }
  for (size_t i = 0; i < loaded.size(); ++i) {
    if (!dropped[i]) report.entries.push_back(std::move(loaded[i]));
  }
  return report;
}

}  // namespace wirt::registry

#include "registry/file_ref.h"

#include <fstream>
#include <sstream>
#include <system_error>

namespace wirt::registry {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kPrefix = "file://";
}

bool is_file_ref(std::string_view s) { return s.substr(0, kPrefix.size()) == kPrefix; }

bool path_within(const fs::path& path, const fs::path& dir) {
  fs::path p = path.lexically_normal();
  fs::path d = dir.lexically_normal();
  auto pi = p.begin();
  for (auto di = d.begin(); di != d.end(); ++di) {
    // A trailing separator normalizes to an empty last component: it matches anything.
    if (di->empty()) continue;
    if (pi == p.end() || *pi != *di) return false;
    ++pi;
  }
  return true;
}

core::Result<fs::path> resolve_file_ref(std::string_view ref, const FileRefRoots& roots) {
  std::string_view rest = ref.substr(kPrefix.size());
  fs::path target;
  if (!rest.empty() && rest.front() == '/') {
    // file:///x is anchored at the source root, never at the OS root.
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    target = roots.src / fs::path(std::string(rest));
  } else {
    target = roots.yaml_dir / fs::path(std::string(rest));
  }
  if (rest.empty()) return core::invalid("file:// path is empty: " + std::string(ref));

  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(target, ec);
  if (ec) resolved = target.lexically_normal();
  fs::path root = fs::weakly_canonical(roots.root, ec);
  if (ec) root = roots.root.lexically_normal();
  fs::path src = fs::weakly_canonical(roots.src, ec);
  if (ec) src = roots.src.lexically_normal();
  if (!path_within(resolved, root) && !path_within(resolved, src)) {
    return core::invalid("file:// path escapes the app folder: " + std::string(ref));
  }
  return resolved;
}

core::Result<std::string> read_file_ref(std::string_view ref, const FileRefRoots& roots) {
  auto path = resolve_file_ref(ref, roots);
  if (!path) return std::move(path).error();
  std::error_code ec;
  fs::file_status st = fs::status(*path, ec);
  if (ec || !fs::exists(st)) {
    return core::not_found("file:// file not found: " + std::string(ref) + " (" + path->string() + ")");
  }
  if (!fs::is_regular_file(st)) {
    return core::invalid("file:// path is not a regular file: " + std::string(ref));
  }
  std::ifstream in(*path, std::ios::binary);
  if (!in) return core::unavailable("file:// cannot open " + std::string(ref) + " (" + path->string() + ")");
  std::ostringstream text;
  text << in.rdbuf();  // an empty file sets failbit on `text` only; "" is the right answer
  if (in.bad()) return core::unavailable("file:// cannot read " + std::string(ref) + " (" + path->string() + ")");
  return text.str();
}

}  // namespace wirt::registry

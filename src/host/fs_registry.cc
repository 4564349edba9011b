#include "host/fs_registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/open_beneath.h"
#include "core/read_all.h"

namespace wirt::host {

namespace fs = std::filesystem;

namespace {

bool within(const fs::path& p, const fs::path& root) {
  auto r = root.begin(), pi = p.begin();
  for (; r != root.end(); ++r, ++pi) {
    if (pi == p.end() || *pi != *r) return false;
  }
  return true;
}

}  // namespace

Directory::Directory(std::string id, fs::path root, bool readable, bool writable)
    : id_(std::move(id)), root_(std::move(root)), readable_(readable), writable_(writable) {
  root_fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
}

Directory::~Directory() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

core::Result<fs::path> Directory::resolve(std::string_view path) const {
  fs::path rel{std::string(path)};
  rel = rel.relative_path();  // "/x.wasm" is relative to the root
  std::error_code ec;
  fs::path full = fs::weakly_canonical(root_ / rel, ec);
  if (ec) return core::invalid(fmt::format("{}: cannot resolve path {}: {}", id_, path, ec.message()));
  if (!within(full, root_)) return core::invalid(fmt::format("{}: path {} escapes the filesystem root", id_, path));
  return full;
}

core::Result<std::string> Directory::read_file(std::string_view path) const {
  if (!readable_) return core::permission_denied(fmt::format("filesystem {} is not readable", id_));
  auto full = resolve(path);
  if (!full) return std::move(full).error();
  core::UniqueFd fd(::open(full->c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st{};
  if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    return core::not_found(fmt::format("failed to open file: {}: no such file in {}", path, id_));
  }
  auto bytes = core::read_all(fd.fd);
  if (!bytes) return core::internal(fmt::format("failed to read file: {}: {} in {}", path, bytes.error().message(), id_));
  return bytes;
}

core::Status FsRegistry::add(const registry::Entry& entry, const fs::path& app_root) {
  const core::Value& d = entry.data;
  std::string dir = d.get_string("directory");
  if (dir.empty()) return core::invalid("directory is required");
  std::string base = d.get_string("base");
  if (!base.empty() && base != "project" && base != "module") {
    return core::invalid(fmt::format("base must be project or module, got {}", base));
  }
  unsigned mode = 0755;
  if (const core::Value* m = d.find("mode"); m && !m->is_nil()) {
    std::string text = m->is_string() ? m->as_string() : m->is_int() ? std::to_string(m->as_int()) : "";
    char* end = nullptr;
    unsigned long parsed = std::strtoul(text.c_str(), &end, 8);
    if (text.empty() || *end != '\0' || parsed > 07777) return core::invalid(fmt::format("mode must be an octal string like \"0755\", got {}", text));
    mode = static_cast<unsigned>(parsed);
  }
  fs::path root = fs::path(dir).is_absolute() ? fs::path(dir) : app_root / dir;
  bool auto_init = false;
  if (const core::Value* a = d.find("auto_init"); a && a->is_bool()) auto_init = a->as_bool();
  std::error_code ec;
  if (auto_init) fs::create_directories(root, ec);
  if (!fs::is_directory(root)) return core::not_found(fmt::format("directory does not exist: {}", root.string()));
  root = fs::canonical(root, ec);
  if (ec) return core::invalid(fmt::format("directory {}: {}", dir, ec.message()));
  dirs_[entry.id.str()] = std::make_shared<Directory>(entry.id.str(), root, (mode & 0400) != 0, (mode & 0200) != 0);
  return {};
}

const Directory* FsRegistry::find(const std::string& id) const {
  auto it = dirs_.find(id);
  return it == dirs_.end() ? nullptr : it->second.get();
}

}  // namespace wirt::host

// The `fs` module (runtime/lua/modules/fs/spec.md): files of fs.directory entries.
//
// fs.get(id) checks the permission `fs.get` on the filesystem id (the reference's only fs
// permission, also required for WASI mounts) and returns an FS object with its own working
// directory. Every path is looked up by the kernel beneath the directory's root descriptor
// (core/open_beneath.h: openat2 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), exactly as WASI
// mounts are: `..` chains, absolute symlinks and relative symlinks that climb out fail there
// (EXDEV → Invalid "path traversal not allowed"), with no string rules that could race with a
// rename. Creating and removing resolve the parent beneath the root and act on one final name
// (mkdirat/unlinkat), so they are confined the same way. The directory's `mode` is honoured:
// without the owner write bit ("0555") every writing operation is PermissionDenied, without
// the read bit every reading one. Reads are bounded per call (fs_module.h).
//
// Methods: chdir, pwd, open (r, w, wx, a), stat, mkdir, remove, readdir, exists, isdir,
// readfile, writefile; constants fs.type.FILE/DIR, fs.seek.SET/CUR/END.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/open_beneath.h"
#include "host/fs_registry.h"
#include "lua/error_object.h"
#include "lua/fs_module.h"
#include "lua/modules.h"
#include "lua/runtime.h"
#include "lua/state_limits.h"

namespace wirt::lua {

namespace fsmod {

core::Error errno_error(const char* op, const std::string& path, int err) {
  core::Error e = [&]() -> core::Error {
    switch (err) {
      case ENOENT: return core::not_found(fmt::format("{}: no such file or directory", path));
      case EEXIST: return {core::ErrorKind::AlreadyExists, fmt::format("{}: path already exists", path)};
      case EXDEV:
      case ELOOP: return core::invalid(fmt::format("path traversal not allowed: {}", path));
      case EACCES:
      case EPERM:
      case EROFS: return core::permission_denied(fmt::format("{}: permission denied", path));
      case ENOTDIR: return core::invalid(fmt::format("{}: not a directory", path));
      case EISDIR: return core::invalid(fmt::format("{}: is a directory", path));
      case ENOTEMPTY: return core::invalid(fmt::format("{}: directory not empty", path));
      default: return core::internal(fmt::format("{}: {}", path, std::strerror(err)));
    }
  }();
  e.wrap(op);
  e.with_retryable(false);
  return e;
}

core::Status push_stat(lua_State* L, int fd, const std::string& name) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return errno_error("stat failed", name, errno);
  bool dir = S_ISDIR(st.st_mode);
  lua_createtable(L, 0, 6);
  lua_pushlstring(L, name.data(), name.size());
  lua_setfield(L, -2, "name");
  lua_pushinteger(L, static_cast<lua_Integer>(st.st_size));
  lua_setfield(L, -2, "size");
  lua_pushinteger(L, static_cast<lua_Integer>(st.st_mode & 07777));
  lua_setfield(L, -2, "mode");
  lua_pushinteger(L, static_cast<lua_Integer>(st.st_mtim.tv_sec));
  lua_setfield(L, -2, "modified");
  lua_pushboolean(L, dir);
  lua_setfield(L, -2, "is_dir");
  lua_pushstring(L, dir ? "directory" : "file");
  lua_setfield(L, -2, "type");
  return {};
}

}  // namespace fsmod

namespace {

using fsmod::errno_error;

constexpr const char* kFsClass = "wirt.fs";

struct LuaFs {
  const host::Directory* dir;  // owned by the app's FsRegistry, which outlives every call
  std::string cwd = "/";       // virtual, always absolute and clean
};


LuaFs& self(lua_State* L) { return *check_udata<LuaFs>(L, 1, kFsClass); }


// Which of the directory's mode bits an operation needs.
enum class Access { None, Read, Write };

core::Status need(const LuaFs& fs, Access access) {
  if (access == Access::Write && !fs.dir->writable()) {
    return core::permission_denied(fmt::format("filesystem {} is read-only", fs.dir->id()));
  }
  if (access == Access::Read && !fs.dir->readable()) {
    return core::permission_denied(fmt::format("filesystem {} is not readable", fs.dir->id()));
  }
  return {};
}

// The virtual path of argument 2 (relative to the cwd unless absolute), after checking it and
// the directory's mode for `access`.
core::Result<std::string> path_arg(lua_State* L, Access access, bool allow_empty = false) {
  size_t n;
  const char* p = luaL_checklstring(L, 2, &n);
  std::string path(p, n);
  if (path.find('\0') != std::string::npos) return core::invalid("path contains null byte").with_retryable(false);
  if (path.empty() && !allow_empty) return core::invalid("empty path").with_retryable(false);
  const LuaFs& fs = self(L);
  WIRT_TRY(need(fs, access));
  const std::string& cwd = fs.cwd;
  return !path.empty() && path[0] == '/' ? path : (cwd == "/" ? "/" + path : cwd + "/" + path);
}

// The path handed to openat2 beneath the root: the virtual path without its leading slashes,
// or "." for the root. `..` and symlinks inside it are left for the kernel to judge.
std::string beneath(const std::string& virtual_path) {
  size_t i = virtual_path.find_first_not_of('/');
  return i == std::string::npos ? "." : virtual_path.substr(i);
}

int open_at(const LuaFs& fs, const std::string& virtual_path, int flags, mode_t mode = 0) {
  if (fs.dir->root_fd() < 0) return -EBADF;
  return core::open_beneath(fs.dir->root_fd(), beneath(virtual_path), flags, mode);
}

// Splits a virtual path into its parent (opened beneath the root) and a final name that is a
// plain component (not "", "." or ".."), for mkdirat/unlinkat.
struct ParentAndName {
  int parent_fd = -1;
  std::string name;
};
core::Result<ParentAndName> parent_of(const LuaFs& fs, const std::string& vpath) {
  std::string trimmed = vpath;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  size_t slash = trimmed.find_last_of('/');
  std::string parent = slash == std::string::npos ? "/" : trimmed.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") return core::invalid(fmt::format("invalid path: {}", vpath));
  int fd = open_at(fs, parent, O_PATH | O_DIRECTORY);
  if (fd < 0) return errno_error("open parent failed", vpath, -fd);
  return ParentAndName{fd, name};
}

int push_ok(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}
// `false, err`: the reference's failure form for chdir, mkdir, remove, exists, isdir, writefile.
int push_false_error(lua_State* L, core::Error e) {
  lua_pushboolean(L, 0);
  push_error(L, std::move(e));
  return 2;
}

// Opens a regular file beneath the root. O_NONBLOCK while opening, so a FIFO cannot block the
// worker; anything but a regular file is refused; then the descriptor blocks as usual.
core::Result<int> open_regular(const LuaFs& fs, const std::string& path, int flags, const char* op) {
  int fd = open_at(fs, path, flags | O_NONBLOCK | O_NOCTTY, 0644);
  if (fd < 0) return errno_error(op, path, -fd);
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return core::invalid(fmt::format("{}: {}: not a regular file", op, path)).with_retryable(false);
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

// open/writefile modes: "r" (open only), "w" (create/truncate), "wx" (create, must not exist),
// "a" (append, create).
core::Result<int> mode_flags(const std::string& mode, bool allow_read) {
  if (mode == "r" && allow_read) return O_RDONLY;
  if (mode == "w") return O_WRONLY | O_CREAT | O_TRUNC;
  if (mode == "wx") return O_WRONLY | O_CREAT | O_EXCL;
  if (mode == "a") return O_WRONLY | O_CREAT | O_APPEND;
  return core::invalid(fmt::format("invalid mode: {} ({})", mode, allow_read ? "r, w, wx or a" : "w, wx or a"))
      .with_retryable(false);
}

int fs_chdir(lua_State* L) {
  auto path = path_arg(L, Access::None);
  if (!path) return push_false_error(L, std::move(path).error());
  int fd = open_at(self(L), *path, O_PATH | O_DIRECTORY);
  if (fd < 0) return push_false_error(L, errno_error("chdir failed", *path, -fd));
  ::close(fd);
  self(L).cwd = core::clean_path(*path);
  return push_ok(L);
}

int fs_pwd(lua_State* L) {
  lua_pushstring(L, self(L).cwd.c_str());
  return 1;
}

int fs_open(lua_State* L) {
  auto flags = mode_flags(luaL_optstring(L, 3, "r"), true);
  if (!flags) return push_nil_error(L, std::move(flags).error());
  bool write = *flags != O_RDONLY;
  auto path = path_arg(L, write ? Access::Write : Access::Read);
  if (!path) return push_nil_error(L, std::move(path).error());
  auto budget = resource_budget(L, "fs.files", fsmod::kMaxOpenFiles);
  if (!budget->acquire()) {
    return push_nil_error(L, core::unavailable(fmt::format("open failed: {}: more than {} files open (close some)",
                                                           *path, budget->max())));
  }
  auto fd = open_regular(self(L), *path, *flags, "open failed");
  if (!fd) {
    budget->release();
    return push_nil_error(L, std::move(fd).error());
  }
  auto handle = std::make_shared<fsmod::FileHandle>();
  handle->budget = std::move(budget);
  handle->fd = *fd;
  handle->path = *path;
  handle->readable = !write;
  handle->writable = write;
  fsmod::push_file(L, std::move(handle));
  return 1;
}

int fs_stat(lua_State* L) {
  auto path = path_arg(L, Access::None);
  if (!path) return push_nil_error(L, std::move(path).error());
  core::UniqueFd fd(open_at(self(L), *path, O_PATH));
  if (fd.fd < 0) return push_nil_error(L, errno_error("stat failed", *path, -fd.fd));
  std::string name = core::clean_path(*path);
  name = name == "/" ? "/" : name.substr(name.find_last_of('/') + 1);
  if (auto st = fsmod::push_stat(L, fd.fd, name); !st) return push_nil_error(L, std::move(st).error());
  return 1;
}

int fs_mkdir(lua_State* L) {
  auto path = path_arg(L, Access::Write);
  if (!path) return push_false_error(L, std::move(path).error());
  auto pn = parent_of(self(L), *path);
  if (!pn) return push_false_error(L, std::move(pn).error());
  core::UniqueFd parent(pn->parent_fd);
  if (::mkdirat(parent.fd, pn->name.c_str(), 0755) != 0) return push_false_error(L, errno_error("mkdir failed", *path, errno));
  return push_ok(L);
}

int fs_remove(lua_State* L) {
  auto path = path_arg(L, Access::Write);
  if (!path) return push_false_error(L, std::move(path).error());
  auto pn = parent_of(self(L), *path);
  if (!pn) return push_false_error(L, std::move(pn).error());
  core::UniqueFd parent(pn->parent_fd);
  if (::unlinkat(parent.fd, pn->name.c_str(), 0) != 0) {
    if (errno != EISDIR || ::unlinkat(parent.fd, pn->name.c_str(), AT_REMOVEDIR) != 0) {
      return push_false_error(L, errno_error("remove failed", *path, errno == EEXIST ? ENOTEMPTY : errno));
    }
  }
  return push_ok(L);
}

int readdir_next(lua_State* L) {
  lua_Integer i = lua_tointeger(L, lua_upvalueindex(2)) + 1;
  lua_pushinteger(L, i);
  lua_replace(L, lua_upvalueindex(2));
  lua_rawgeti(L, lua_upvalueindex(1), i);
  return 1;
}

// readdir(path) → iterator, state (entries {name=, type=} sorted by name, as Go's ReadDir).
int fs_readdir(lua_State* L) {
  auto path = path_arg(L, Access::Read);
  if (!path) return push_nil_error(L, std::move(path).error());
  int fd = open_at(self(L), *path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return push_nil_error(L, errno_error("readdir failed", *path, -fd));
  DIR* d = ::fdopendir(fd);
  if (!d) {
    int err = errno;
    ::close(fd);
    return push_nil_error(L, errno_error("readdir failed", *path, err));
  }
  std::vector<std::pair<std::string, bool>> entries;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    bool dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      dir = ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    entries.emplace_back(std::move(name), dir);
  }
  ::closedir(d);
  std::sort(entries.begin(), entries.end());
  lua_createtable(L, static_cast<int>(entries.size()), 0);
  for (size_t i = 0; i < entries.size(); ++i) {
    lua_createtable(L, 0, 2);
    lua_pushlstring(L, entries[i].first.data(), entries[i].first.size());
    lua_setfield(L, -2, "name");
    lua_pushstring(L, entries[i].second ? "directory" : "file");
    lua_setfield(L, -2, "type");
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_pushvalue(L, -1);
  lua_pushinteger(L, 0);
  lua_pushcclosure(L, readdir_next, 2);
  lua_insert(L, -2);  // iterator, state
  return 2;
}

// exists(path) → false, nil for a missing path; false, err only for an invalid one.
int fs_exists(lua_State* L) {
  auto path = path_arg(L, Access::None, true);
  if (!path) return push_false_error(L, std::move(path).error());
  core::UniqueFd fd(open_at(self(L), *path, O_PATH));
  if (fd.fd >= 0) return push_ok(L);
  if (fd.fd == -ENOENT || fd.fd == -ENOTDIR) {
    lua_pushboolean(L, 0);
    return 1;
  }
  return push_false_error(L, errno_error("exists failed", *path, -fd.fd));
}

int fs_isdir(lua_State* L) {
  auto path = path_arg(L, Access::None, true);
  if (!path) return push_false_error(L, std::move(path).error());
  core::UniqueFd fd(open_at(self(L), *path, O_PATH));
  if (fd.fd < 0) return push_false_error(L, errno_error("isdir failed", *path, -fd.fd));
  struct stat st;
  lua_pushboolean(L, ::fstat(fd.fd, &st) == 0 && S_ISDIR(st.st_mode));
  return 1;
}

int fs_readfile(lua_State* L) {
  auto path = path_arg(L, Access::Read);
  if (!path) return push_nil_error(L, std::move(path).error());
  auto opened = open_regular(self(L), *path, O_RDONLY, "readfile failed");
  if (!opened) return push_nil_error(L, std::move(opened).error());
  core::UniqueFd fd(*opened);
  // Bounded: never more than the state may hold (limits.max_memory_mb), nor kMaxReadChunk × 16.
  size_t limit = std::min(memory_limit(L) / 2, fsmod::kMaxReadChunk * 16);
  std::string data;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd.fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return push_nil_error(L, errno_error("read failed", *path, errno));
    if (n == 0) break;
    if (data.size() + static_cast<size_t>(n) > limit) {
      return push_nil_error(L, core::invalid(fmt::format("readfile failed: {}: larger than the {} bytes a call may read",
                                                         *path, limit)));
    }
    data.append(chunk, static_cast<size_t>(n));
  }
  lua_pushlstring(L, data.data(), data.size());
  return 1;
}

int fs_writefile(lua_State* L) {
  if (lua_isnoneornil(L, 3)) return push_false_error(L, core::invalid("data argument is nil").with_retryable(false));
  if (lua_type(L, 3) != LUA_TSTRING) {
    return push_false_error(L, core::invalid(fmt::format("invalid input type: {} (a string)", luaL_typename(L, 3))));
  }
  auto flags = mode_flags(luaL_optstring(L, 4, "w"), false);
  if (!flags) return push_false_error(L, std::move(flags).error());
  auto path = path_arg(L, Access::Write);
  if (!path) return push_false_error(L, std::move(path).error());
  auto opened = open_regular(self(L), *path, *flags, "failed to open destination");
  if (!opened) return push_false_error(L, std::move(opened).error());
  core::UniqueFd fd(*opened);
  size_t n;
  const char* data = lua_tolstring(L, 3, &n);
  if (auto st = fsmod::write_all(fd.fd, data, n, *path); !st) return push_false_error(L, std::move(st).error());
  return push_ok(L);
}

int fs_tostring(lua_State* L) {
  lua_pushfstring(L, "fs: %s", self(L).dir->id().c_str());
  return 1;
}

// fs.get(id) → FS, or nil, err.
int fs_get(lua_State* L) {
  const auto* ctx = static_cast<const sched::CallContext*>(state_env(L)->call);
  if (!ctx) return push_nil_error(L, core::internal("no context found").with_retryable(false));
  std::string name = luaL_checkstring(L, 1);
  if (name.empty()) return push_nil_error(L, core::invalid("filesystem name required").with_retryable(false));
  LuaRuntime* rt = state_env(L)->runtime;
  if (!rt->policies()->allowed(*ctx, "fs.get", name)) {
    return push_nil_error(L, core::permission_denied("not allowed to access filesystem: " + name).with_retryable(false));
  }
  const host::FsRegistry* reg = rt->fs_registry();
  if (!reg) return push_nil_error(L, core::internal("no filesystem registry in context").with_retryable(false));
  const host::Directory* dir = reg->find(name);
  if (!dir) return push_nil_error(L, core::not_found("filesystem not found: " + name).with_retryable(false));
  new_udata<LuaFs>(L, kFsClass, LuaFs{dir});
  return 1;
}

}  // namespace

int open_fs(lua_State* L) {
  static const luaL_Reg methods[] = {
      {"chdir", fs_chdir},   {"pwd", fs_pwd},         {"open", fs_open},         {"stat", fs_stat},
      {"mkdir", fs_mkdir},   {"remove", fs_remove},   {"readdir", fs_readdir},   {"exists", fs_exists},
      {"isdir", fs_isdir},   {"readfile", fs_readfile}, {"writefile", fs_writefile}, {"__tostring", fs_tostring},
      {nullptr, nullptr},
  };
  define_class(L, kFsClass, methods, destroy_udata<LuaFs>);
  fsmod::define_file_classes(L);
  static const luaL_Reg funcs[] = {{"get", fs_get}, {nullptr, nullptr}};
  luaL_newlib(L, funcs);
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "file");
  lua_setfield(L, -2, "FILE");
  lua_pushliteral(L, "directory");
  lua_setfield(L, -2, "DIR");
  lua_setfield(L, -2, "type");
  lua_createtable(L, 0, 3);
  lua_pushliteral(L, "set");
  lua_setfield(L, -2, "SET");
  lua_pushliteral(L, "cur");
  lua_setfield(L, -2, "CUR");
  lua_pushliteral(L, "end");
  lua_setfield(L, -2, "END");
  lua_setfield(L, -2, "seek");
  return 1;
}

}  // namespace wirt::lua

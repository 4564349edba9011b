#include "wasi/filesystem_types.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "core/json.h"
#include "wasi/call_state.h"
#include "wasi/filesystem_streams.h"
#include "wasi/mounts.h"
#include "wasi/preview1_fs.h"

namespace wirt::wasi {

namespace {

using core::Value;
using Impl = core::Result<Value> (*)(CallState&, const core::Array&);

constexpr const char* kTypes = "wasi:filesystem/types@0.2.3";
constexpr const char* kPreopens = "wasi:filesystem/preopens@0.2.3";

// descriptor-flags bits (types.wit), as OpenFile::p2flags keeps them.
enum : uint8_t { kRead = 1, kWrite = 2, kFileSync = 4, kDataSync = 8, kReadSync = 16, kMutateDir = 32 };
constexpr const char* kFlagNames[] = {"read", "write", "file-integrity-sync", "data-integrity-sync",
                                      "requested-write-sync", "mutate-directory"};

Value ok(Value v = Value(true)) {
  Value r = Value::map();
  r.set("ok", std::move(v));
  return r;
}
Value err(const char* code) {
  Value r = Value::map();
  r.set("err", Value(code));
  return r;
}
// -errno from a mount operation (or 0) as a result<_, error-code>.
Value status(int rc, Value on_ok = Value(true)) { return rc < 0 ? err(fs_error_code(-rc)) : ok(std::move(on_ok)); }

bool flag(const Value& flags, const char* name) {
  if (flags.is_map()) {
    const Value* v = flags.find(name);
    return v && v->is_bool() && v->as_bool();
  }
  if (flags.is_array())
    return std::any_of(flags.as_array().begin(), flags.as_array().end(),
                       [&](const Value& v) { return v.is_string() && v.as_string() == name; });
  return false;
}

Value flags_value(uint8_t bits) {
  Value out = Value::map();
  for (int i = 0; i < 6; ++i)
    if (bits & (1u << i)) out.set(kFlagNames[i], Value(true));
  return out;
}

uint8_t flags_bits(const Value& flags) {
  uint8_t bits = 0;
  for (int i = 0; i < 6; ++i)
    if (flag(flags, kFlagNames[i])) bits |= uint8_t(1u << i);
  return bits;
}

FdTable* table(CallState& st) { return st.env.files.get(); }

// The descriptor behind a rep (a directory-entry-stream's slot is not one).
OpenFile* descriptor(CallState& st, const Value& rep) {
  FdTable* t = table(st);
  OpenFile* f = t && rep.is_int() ? t->get(uint32_t(rep.as_int())) : nullptr;
  return f && !f->stdio && !f->entry_stream ? f : nullptr;
}

// A guest path checked before any lookup: `invalid` with a NUL (the kernel would cut the path
// there), `name-too-long` past mounts::kMaxPath.
const char* check_path(const Value& v, std::string& out) {
  out = v.is_bytes() ? v.as_bytes().data : v.is_string() ? v.as_string() : std::string();
  if (out.size() > mounts::kMaxPath) return "name-too-long";
  if (out.find('\0') != std::string::npos) return "invalid";
  return nullptr;
}

// A directory descriptor and a path in it (`args[d]`, `args[p]`): `error` is set when either is
// unusable; `write` refuses a read_only mount first.
struct At {
  OpenFile* dir = nullptr;
  std::string path;
  const char* error = nullptr;
};
At at(CallState& st, const Value& d, const Value& p, bool write = false) {
  At a;
  a.dir = descriptor(st, d);
  if (!a.dir) a.error = "bad-descriptor";
  else if (!a.dir->dir) a.error = "not-directory";
  else if (write && a.dir->read_only) a.error = "read-only";
  else a.error = check_path(p, a.path);
  return a;
}

// ---- stat ----

const char* type_name(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFBLK: return "block-device";
    case S_IFCHR: return "character-device";
    case S_IFDIR: return "directory";
    case S_IFIFO: return "fifo";
    case S_IFLNK: return "symbolic-link";
    case S_IFREG: return "regular-file";
    case S_IFSOCK: return "socket";
    default: return "unknown";
  }
}

Value datetime(const timespec& t) {
  Value v = Value::map();
  v.set("seconds", Value(int64_t(t.tv_sec)));
  v.set("nanoseconds", Value(int64_t(t.tv_nsec)));
  return v;
}

// record descriptor-stat.
Value stat_value(const struct stat& st) {
  Value v = Value::map();
  v.set("type", Value(type_name(st.st_mode)));
  v.set("link-count", Value(int64_t(st.st_nlink)));
  v.set("size", Value(int64_t(st.st_size)));
  v.set("data-access-timestamp", datetime(st.st_atim));
  v.set("data-modification-timestamp", datetime(st.st_mtim));
  v.set("status-change-timestamp", datetime(st.st_ctim));
  return v;
}

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// metadata-hash-value: equal for the same object with the same metadata (device, inode, size,
// modification and change times), different when any of them changes (types.wit: "lets a
// program detect that a file changed").
Value hash_value(const struct stat& st) {
  uint64_t id = mix(uint64_t(st.st_dev) * 0x9e3779b97f4a7c15ull ^ uint64_t(st.st_ino));
  uint64_t meta = mix(uint64_t(st.st_size) ^ mix(uint64_t(st.st_mtim.tv_sec) * 1000000000ull + uint64_t(st.st_mtim.tv_nsec)) ^
                      mix(uint64_t(st.st_ctim.tv_sec) * 1000000000ull + uint64_t(st.st_ctim.tv_nsec) + 1));
  Value v = Value::map();
  v.set("lower", Value(int64_t(mix(id ^ meta) & 0x7fffffffffffffffull)));
  v.set("upper", Value(int64_t(mix(meta + id) & 0x7fffffffffffffffull)));
  return v;
}

// variant new-timestamp → utimensat's timespec ({case=payload}, or the bare case name).
bool timestamp(const Value& v, timespec& out) {
  out = {0, UTIME_OMIT};
  std::string name = v.is_string() ? v.as_string() : "";
  const Value* payload = nullptr;
  if (v.is_map() && !v.as_map().empty()) {
    name = v.as_map().begin()->first;
    payload = &v.as_map().begin()->second;
  }
  if (name == "no-change") return true;
  if (name == "now") {
    out.tv_nsec = UTIME_NOW;
    return true;
  }
  if (name != "timestamp" || !payload) return false;
  const Value* s = payload->find("seconds");
  const Value* ns = payload->find("nanoseconds");
  if (!s || !ns || !s->is_int() || !ns->is_int() || ns->as_int() >= 1000000000) return false;
  out.tv_sec = time_t(s->as_int());
  out.tv_nsec = long(ns->as_int());
  return true;
}

// ---- descriptor methods ----

// open-at(path-flags, path, open-flags, descriptor-flags) -> result<descriptor, error-code>
core::Result<Value> open_at(CallState& st, const core::Array& a) {
  At p = at(st, a[0], a[2]);
  if (p.error) return err(p.error);
  const Value& oflags = a[3];
  bool create = flag(oflags, "create"), directory = flag(oflags, "directory"), exclusive = flag(oflags, "exclusive"),
       truncate = flag(oflags, "truncate");
  uint8_t want = flags_bits(a[4]);
  bool write = want & kWrite;
  if (p.dir->read_only && (write || create || truncate || (want & kMutateDir))) return err("read-only");
  if (directory && (create || truncate)) return err("invalid");
  if (directory && write) return err("is-directory");
  int flags = O_NOCTTY | (write ? ((want & kRead) ? O_RDWR : O_WRONLY) : O_RDONLY);
  if (directory) flags |= O_DIRECTORY;
  if (create) flags |= O_CREAT;
  if (exclusive) flags |= O_EXCL;
  if (truncate) flags |= O_TRUNC;
  if (!flag(a[1], "symlink-follow")) flags |= O_NOFOLLOW;
  if (want & kFileSync) flags |= O_SYNC;
  if (want & kDataSync) flags |= O_DSYNC;
  if (want & kReadSync) flags |= O_RSYNC;
  int fd = mounts::open_beneath(p.dir->host, p.path, flags, 0666);
  if (fd < 0) return status(fd);
  struct stat sb;
  if (::fstat(fd, &sb) != 0) {
    int e = errno;
    ::close(fd);
    return err(fs_error_code(e));
  }
  OpenFile f;
  f.host = fd;
  f.dir = S_ISDIR(sb.st_mode);
  f.read_only = p.dir->read_only;
  // A directory may change its entries unless the mount is read_only (the gate, as in preview1).
  f.p2flags = uint8_t(want | (f.dir && !f.read_only ? kMutateDir : 0));
  auto num = table(st)->add(std::move(f));
  if (!num) {
    ::close(fd);
    return err("insufficient-memory");
  }
  return ok(Value(int64_t{*num}));
}

// read(length, offset) -> result<tuple<list<u8>, bool>, error-code>: at most kFileChunk bytes;
// the bool is true at the end of the file.
core::Result<Value> read(CallState& st, const core::Array& a) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  if (f->dir) return err("is-directory");
  if (a[1].as_int() < 0 || a[2].as_int() < 0) return err("invalid");
  std::string data(std::min<size_t>(size_t(a[1].as_int()), kFileChunk), '\0');
  ssize_t got = 0;
  if (!data.empty()) {
    do got = ::pread(f->host, data.data(), data.size(), off_t(a[2].as_int()));
    while (got < 0 && errno == EINTR);
  }
  if (got < 0) return err(fs_error_code(errno));
  bool end = !data.empty() && size_t(got) < data.size();
  data.resize(size_t(got));
  return ok(Value(core::Array{Value(core::Bytes{std::move(data)}), Value(end)}));
}

// write(buffer, offset) -> result<filesize, error-code>: one pwrite of at most kFileChunk
// bytes (a shorter count is what WIT allows; the guest writes the rest).
core::Result<Value> write(CallState& st, const core::Array& a) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  if (f->dir) return err("is-directory");
  if (f->read_only) return err("read-only");
  if (a[2].as_int() < 0) return err("invalid");
  std::string_view data = a[1].is_bytes() ? std::string_view(a[1].as_bytes().data) : std::string_view(a[1].as_string());
  data = data.substr(0, kFileChunk);
  ssize_t put;
  do put = ::pwrite(f->host, data.data(), data.size(), off_t(a[2].as_int()));
  while (put < 0 && errno == EINTR);
  if (put < 0) return err(fs_error_code(errno));
  return ok(Value(int64_t(put)));
}

// A descriptor of the file for a stream (the guest may drop the descriptor first), or an
// error-code. A write stream needs the descriptor's `write` flag. An appending one needs a
// description of its own with O_APPEND (a duplicate shares the descriptor's, and setting
// O_APPEND there would change the descriptor too): the file is reopened through its /proc name,
// the same inode with no path lookup.
const char* stream_fd(CallState& st, OpenFile* f, bool write, bool append, int& out) {
  if (!f) return "bad-descriptor";
  if (f->dir) return "is-directory";
  if (write && f->read_only) return "read-only";
  if (write && !(f->p2flags & kWrite)) return "bad-descriptor";
  if (st.inputs.size() + st.outputs.size() >= FdTable::kMaxFds) return "insufficient-memory";
  int fl = ::fcntl(f->host, F_GETFL);
  if (append && fl >= 0 && !(fl & O_APPEND))
    out = ::open(("/proc/self/fd/" + std::to_string(f->host)).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  else
    out = ::fcntl(f->host, F_DUPFD_CLOEXEC, 0);
  return out < 0 ? fs_error_code(errno) : nullptr;
}

core::Result<Value> read_via_stream(CallState& st, const core::Array& a) {
  int fd;
  if (const char* e = stream_fd(st, descriptor(st, a[0]), false, false, fd)) return err(e);
  uint32_t rep = st.next_rep++;
  st.inputs[rep] = std::make_unique<FileInputStream>(fd, uint64_t(std::max<int64_t>(a[1].as_int(), 0)));
  return ok(Value(int64_t{rep}));
}

core::Result<Value> output_stream(CallState& st, const Value& d, uint64_t offset, bool append) {
  int fd;
  if (const char* e = stream_fd(st, descriptor(st, d), true, append, fd)) return err(e);
  uint32_t rep = st.next_rep++;
  st.outputs[rep] = std::make_unique<FileOutputStream>(fd, offset, append);
  return ok(Value(int64_t{rep}));
}

core::Result<Value> write_via_stream(CallState& st, const core::Array& a) {
  return output_stream(st, a[0], uint64_t(std::max<int64_t>(a[1].as_int(), 0)), false);
}

core::Result<Value> append_via_stream(CallState& st, const core::Array& a) { return output_stream(st, a[0], 0, true); }

core::Result<Value> advise(CallState& st, const core::Array& a) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  if (f->dir) return err("bad-descriptor");
  static const std::map<std::string, int> kAdvice = {
      {"normal", POSIX_FADV_NORMAL},       {"sequential", POSIX_FADV_SEQUENTIAL}, {"random", POSIX_FADV_RANDOM},
      {"will-need", POSIX_FADV_WILLNEED}, {"dont-need", POSIX_FADV_DONTNEED},    {"no-reuse", POSIX_FADV_NOREUSE}};
  auto it = kAdvice.find(a[3].is_string() ? a[3].as_string() : "");
  if (it == kAdvice.end()) return err("invalid");
  int rc = ::posix_fadvise(f->host, off_t(a[1].as_int()), off_t(a[2].as_int()), it->second);
  return rc == 0 ? ok() : err(fs_error_code(rc));
}

core::Result<Value> sync(CallState& st, const core::Array& a, bool data) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  int rc = data ? ::fdatasync(f->host) : ::fsync(f->host);
  // A read-only mount has nothing to flush (a directory opened read-only may refuse).
  if (rc != 0 && !(f->read_only && errno == EBADF)) return err(fs_error_code(errno));
  return ok();
}

core::Result<Value> get_flags(CallState& st, const core::Array& a) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  return ok(flags_value(f->p2flags));
}

core::Result<Value> get_type(CallState& st, const core::Array& a) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  struct stat sb;
  if (::fstat(f->host, &sb) != 0) return err(fs_error_code(errno));
  return ok(Value(type_name(sb.st_mode)));
}

core::Result<Value> set_size(CallState& st, const core::Array& a) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  if (f->read_only) return err("read-only");
  if (f->dir) return err("is-directory");
  if (a[1].as_int() < 0) return err("invalid");
  return status(::ftruncate(f->host, off_t(a[1].as_int())) == 0 ? 0 : -errno);
}

core::Result<Value> set_times(CallState& st, const core::Array& a) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  timespec ts[2];
  if (!timestamp(a[1], ts[0]) || !timestamp(a[2], ts[1])) return err("invalid");
  if (f->read_only) return err("read-only");
  return status(::futimens(f->host, ts) == 0 ? 0 : -errno);
}

core::Result<Value> read_directory(CallState& st, const core::Array& a) {
  OpenFile* d = descriptor(st, a[0]);
  if (!d) return err("bad-descriptor");
  if (!d->dir) return err("not-directory");
  int fd = ::openat(d->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return err(fs_error_code(errno));
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    int e = errno;
    ::close(fd);
    return err(fs_error_code(e));
  }
  OpenFile s;
  s.entry_stream = true;
  s.dir = true;
  s.listing.reset(dir, ::closedir);
  auto num = table(st)->add(std::move(s));
  if (!num) return err("insufficient-memory");  // the listing closes with `s`'s copy
  return ok(Value(int64_t{*num}));
}

// directory-entry-stream.read-directory-entry -> result<option<directory-entry>, error-code>:
// the next entry other than "." and "..", or none at the end.
core::Result<Value> read_directory_entry(CallState& st, const core::Array& a) {
  FdTable* t = table(st);
  OpenFile* s = t && a[0].is_int() ? t->get(uint32_t(a[0].as_int())) : nullptr;
  if (!s || !s->entry_stream || !s->listing) return err("bad-descriptor");
  for (;;) {
    errno = 0;
    dirent* de = ::readdir(s->listing.get());
    if (!de) return errno ? err(fs_error_code(errno)) : ok(Value());
    if (!std::strcmp(de->d_name, ".") || !std::strcmp(de->d_name, "..")) continue;
    mode_t mode = DTTOIF(de->d_type);
    if (de->d_type == DT_UNKNOWN) {
      struct stat sb;
      mode = ::fstatat(::dirfd(s->listing.get()), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 ? sb.st_mode : 0;
    }
    // WIT strings are UTF-8; a host name that is not (any byte string is a valid Linux name)
    // cannot be lowered, which trapped the whole call. It is reported as the entry's error
    // instead (as wasmtime does); the next read goes on with the following entry.
    if (!core::is_valid_utf8(de->d_name)) return err("illegal-byte-sequence");
    Value e = Value::map();
    e.set("type", Value(type_name(mode)));
    e.set("name", Value(std::string(de->d_name)));
    return ok(std::move(e));
  }
}

core::Result<Value> stat(CallState& st, const core::Array& a) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  struct stat sb;
  if (::fstat(f->host, &sb) != 0) return err(fs_error_code(errno));
  return ok(stat_value(sb));
}

// stat-at / metadata-hash-at (path-flags, path).
core::Result<Value> stat_at(CallState& st, const core::Array& a, Value (*as)(const struct stat&)) {
  At p = at(st, a[0], a[2]);
  if (p.error) return err(p.error);
  struct stat sb;
  int rc = mounts::stat_at(p.dir->host, p.path, flag(a[1], "symlink-follow"), sb);
  return rc < 0 ? status(rc) : ok(as(sb));
}

core::Result<Value> set_times_at(CallState& st, const core::Array& a) {
  At p = at(st, a[0], a[2]);
  if (p.error) return err(p.error);
  timespec ts[2];
  if (!timestamp(a[3], ts[0]) || !timestamp(a[4], ts[1])) return err("invalid");
  if (p.dir->read_only) return err("read-only");
  return status(mounts::set_times_at(p.dir->host, p.path, flag(a[1], "symlink-follow"), ts));
}

// The *-at mutations of one path: (self, path).
template <int (*op)(int, const std::string&)>
core::Result<Value> mutate_at(CallState& st, const core::Array& a) {
  At p = at(st, a[0], a[1], true);
  if (p.error) return err(p.error);
  return status(op(p.dir->host, p.path));
}

// rename-at(old-path, new-descriptor, new-path)
core::Result<Value> rename_at(CallState& st, const core::Array& a) {
  At from = at(st, a[0], a[1], true);
  if (from.error) return err(from.error);
  At to = at(st, a[2], a[3], true);
  if (to.error) return err(to.error);
  return status(mounts::rename_at(from.dir->host, from.path, to.dir->host, to.path));
}

// symlink-at(old-path: the link's target, new-path: the link)
core::Result<Value> symlink_at(CallState& st, const core::Array& a) {
  std::string target;
  if (const char* e = check_path(a[1], target)) return err(e);
  At p = at(st, a[0], a[2], true);
  if (p.error) return err(p.error);
  return status(mounts::symlink_at(target, p.dir->host, p.path));
}

core::Result<Value> readlink_at(CallState& st, const core::Array& a) {
  At p = at(st, a[0], a[1]);
  if (p.error) return err(p.error);
  std::string target;
  int rc = mounts::readlink_at(p.dir->host, p.path, target);
  if (rc == 0 && !core::is_valid_utf8(target)) return err("illegal-byte-sequence");  // see read_directory_entry
  return status(rc, Value(std::move(target)));
}

// link-at(old-path-flags, old-path, new-descriptor, new-path)
core::Result<Value> link_at(CallState& st, const core::Array& a) {
  At from = at(st, a[0], a[2], true);
  if (from.error) return err(from.error);
  At to = at(st, a[3], a[4], true);
  if (to.error) return err(to.error);
  return status(mounts::link_at(from.dir->host, from.path, flag(a[1], "symlink-follow"), to.dir->host, to.path));
}

core::Result<Value> is_same_object(CallState& st, const core::Array& a) {
  OpenFile* x = descriptor(st, a[0]);
  OpenFile* y = descriptor(st, a[1]);
  struct stat sx, sy;
  if (!x || !y || ::fstat(x->host, &sx) != 0 || ::fstat(y->host, &sy) != 0) return Value(false);
  return Value(sx.st_dev == sy.st_dev && sx.st_ino == sy.st_ino);
}

core::Result<Value> metadata_hash(CallState& st, const core::Array& a) {
  OpenFile* f = descriptor(st, a[0]);
  if (!f) return err("bad-descriptor");
  struct stat sb;
  if (::fstat(f->host, &sb) != 0) return err(fs_error_code(errno));
  return ok(hash_value(sb));
}

// ---- free functions ----

// preopens.get-directories -> list<tuple<descriptor, string>>: a fresh descriptor (a duplicate
// of the preopen, so every call hands out its own) per mount, sorted by guest path.
core::Result<Value> get_directories(CallState& st, const core::Array&) {
  FdTable* t = table(st);
  core::Array out;
  if (!t) return Value(std::move(out));
  std::vector<const OpenFile*> preopens;
  for (uint32_t fd = 3; fd < FdTable::kMaxFds; ++fd) {
    const OpenFile* f = t->get(fd);
    if (f && !f->preopen.empty()) preopens.push_back(f);
  }
  std::sort(preopens.begin(), preopens.end(), [](const OpenFile* x, const OpenFile* y) { return x->preopen < y->preopen; });
  std::vector<std::pair<int, const OpenFile*>> dups;
  for (const OpenFile* f : preopens) {
    int fd = ::fcntl(f->host, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return core::internal(std::string("wasi:filesystem/preopens: ") + std::strerror(errno));
    dups.emplace_back(fd, f);
  }
  for (auto& [fd, f] : dups) {
    OpenFile d;
    d.host = fd;
    d.dir = true;
    d.read_only = f->read_only;
    d.p2flags = uint8_t(kRead | (f->read_only ? 0 : kMutateDir));
    std::string guest = f->preopen;
    auto num = t->add(std::move(d));
    if (!num) {
      ::close(fd);
      return core::invalid("wasi:filesystem/preopens: the call's descriptor table is full");
    }
    out.emplace_back(core::Array{Value(int64_t{*num}), Value(std::move(guest))});
  }
  return Value(std::move(out));
}

// filesystem-error-code(borrow<error>) -> option<error-code>
core::Result<Value> filesystem_error_code(CallState& st, const core::Array& a) {
  auto it = st.error_codes.find(uint32_t(a[0].as_int()));
  return it == st.error_codes.end() ? Value() : Value(it->second);
}

core::Result<Value> drop(CallState& st, const core::Array& a) {
  if (FdTable* t = table(st); t && a[0].is_int()) t->close(uint32_t(a[0].as_int()));
  return Value();
}

struct Def {
  const char* iface;
  const char* name;
  Impl fn;
};

const std::vector<Def>& defs() {
  static const std::vector<Def> all = {
      {kPreopens, "get-directories", get_directories},
      {kTypes, "filesystem-error-code", filesystem_error_code},
      {kTypes, "[method]descriptor.open-at", open_at},
      {kTypes, "[method]descriptor.read", read},
      {kTypes, "[method]descriptor.write", write},
      {kTypes, "[method]descriptor.read-via-stream", read_via_stream},
      {kTypes, "[method]descriptor.write-via-stream", write_via_stream},
      {kTypes, "[method]descriptor.append-via-stream", append_via_stream},
      {kTypes, "[method]descriptor.advise", advise},
      {kTypes, "[method]descriptor.sync", [](CallState& st, const core::Array& a) { return sync(st, a, false); }},
      {kTypes, "[method]descriptor.sync-data", [](CallState& st, const core::Array& a) { return sync(st, a, true); }},
      {kTypes, "[method]descriptor.get-flags", get_flags},
      {kTypes, "[method]descriptor.get-type", get_type},
      {kTypes, "[method]descriptor.set-size", set_size},
      {kTypes, "[method]descriptor.set-times", set_times},
      {kTypes, "[method]descriptor.read-directory", read_directory},
      {kTypes, "[method]directory-entry-stream.read-directory-entry", read_directory_entry},
      {kTypes, "[method]descriptor.stat", stat},
      {kTypes, "[method]descriptor.stat-at", [](CallState& st, const core::Array& a) { return stat_at(st, a, stat_value); }},
      {kTypes, "[method]descriptor.metadata-hash", metadata_hash},
      {kTypes, "[method]descriptor.metadata-hash-at",
       [](CallState& st, const core::Array& a) { return stat_at(st, a, hash_value); }},
      {kTypes, "[method]descriptor.set-times-at", set_times_at},
      {kTypes, "[method]descriptor.create-directory-at", mutate_at<mounts::create_directory_at>},
      {kTypes, "[method]descriptor.remove-directory-at", mutate_at<mounts::remove_directory_at>},
      {kTypes, "[method]descriptor.unlink-file-at", mutate_at<mounts::unlink_file_at>},
      {kTypes, "[method]descriptor.rename-at", rename_at},
      {kTypes, "[method]descriptor.symlink-at", symlink_at},
      {kTypes, "[method]descriptor.readlink-at", readlink_at},
      {kTypes, "[method]descriptor.link-at", link_at},
      {kTypes, "[method]descriptor.is-same-object", is_same_object},
      {kTypes, "[resource-drop]descriptor", drop},
      {kTypes, "[resource-drop]directory-entry-stream", drop},
  };
  return all;
}

}  // namespace

const char* fs_error_code(int e) {
  switch (e) {
    case EACCES: return "access";
    case EAGAIN: return "would-block";
    case EALREADY: return "already";
    case EBADF: return "bad-descriptor";
    case EBUSY: return "busy";
    case EDEADLK: return "deadlock";
    case EDQUOT: return "quota";
    case EEXIST: return "exist";
    case EFBIG: return "file-too-large";
    case EILSEQ: return "illegal-byte-sequence";
    case EINPROGRESS: return "in-progress";
    case EINTR: return "interrupted";
    case EINVAL: return "invalid";
    case EIO: return "io";
    case EISDIR: return "is-directory";
    case ELOOP: return "loop";
    case EMLINK: return "too-many-links";
    case EMSGSIZE: return "message-size";
    case ENAMETOOLONG: return "name-too-long";
    case ENODEV: return "no-device";
    case ENOENT: return "no-entry";
    case ENOLCK: return "no-lock";
    case ENOMEM: case EMFILE: case ENFILE: return "insufficient-memory";
    case ENOSPC: return "insufficient-space";
    case ENOTDIR: return "not-directory";
    case ENOTEMPTY: return "not-empty";
    case ENOTRECOVERABLE: return "not-recoverable";
    case EOPNOTSUPP: return "unsupported";
    case ENOTTY: return "no-tty";
    case ENXIO: return "no-such-device";
    case EOVERFLOW: return "overflow";
    case EPERM: return "not-permitted";
    case EPIPE: return "pipe";
    case EROFS: return "read-only";
    case ESPIPE: return "invalid-seek";
    case ETXTBSY: return "text-file-busy";
    // EXDEV is what openat2 says for a path leaving the mount (mounts::kEscapes): WASI 0.2 has
    // no `notcapable`, and wasmtime reports such paths as not-permitted.
    case mounts::kEscapes: return "not-permitted";
    default: return "io";
  }
}

void define_filesystem(component::HostImports& imports) {
  for (const Def& d : defs()) {
    Impl fn = d.fn;
    bool is_drop = std::string_view(d.name).starts_with("[resource-drop]");
    imports.add(std::string(d.iface) + "#" + d.name,
                {nullptr, [fn, is_drop](component::HostCall& c, const core::Array& a) -> core::Result<Value> {
                   auto* st = static_cast<CallState*>(c.user_data);
                   // Drops also run from ComponentInstance::reset() with no call: the call's
                   // table, and every descriptor in it, is gone already.
                   if (!st) return is_drop ? core::Result<Value>(Value())
                                           : core::Result<Value>(core::internal("wasi:filesystem: no call in progress"));
                   return fn(*st, a);
                 }});
  }
}

core::Result<Value> call_filesystem(const std::string& func, CallState& st, const core::Array& args) {
  for (const Def& d : defs())
    if (func == d.name) return d.fn(st, args);
  return core::not_found("wasi:filesystem: no function " + func);
}

}  // namespace wirt::wasi

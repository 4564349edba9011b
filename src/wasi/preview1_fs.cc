#include "wasi/preview1_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "wasi/mounts.h"

namespace wirt::wasi {

// ---- the descriptor table ----

namespace {
// What a directory may do (wasmtime's directory_base_rights): no offset, no data, so a guest
// reopening a directory with its own rights does not ask for writing (which is EISDIR).
constexpr uint64_t kDirRights = ~((1ull << 1) | (1ull << 6) | (1ull << 2) | (1ull << 5) | (1ull << 7) |
                                  (1ull << 8) | (1ull << 22));
}  // namespace

core::Result<std::unique_ptr<FdTable>> FdTable::open(const std::vector<HostMount>& mounts) {
  std::unique_ptr<FdTable> t(new FdTable());
  for (int i = 0; i < 3; ++i) {
    OpenFile f;
    f.stdio = true;
    t->fds_.emplace_back(f);
  }
  for (const auto& m : mounts) {
    int fd = ::open(m.host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      std::string why = std::strerror(errno);
      if (errno == ENOENT) return core::not_found(fmt::format("mount {}: {}: {}", m.guest, m.host, why));
      return core::invalid(fmt::format("mount {}: cannot open {}: {}", m.guest, m.host, why));
    }
    OpenFile f;
    f.host = fd;
    f.dir = true;
    f.read_only = m.read_only;
    f.preopen = m.guest;
    f.rights = kDirRights;
    t->fds_.emplace_back(f);
  }
  return t;
}

FdTable::~FdTable() {
  for (auto& f : fds_)
    if (f && f->host >= 0) ::close(f->host);
}

OpenFile* FdTable::get(uint32_t fd) { return fd < fds_.size() && fds_[fd] ? &*fds_[fd] : nullptr; }

std::optional<uint32_t> FdTable::add(OpenFile f) {
  for (size_t i = 0; i < fds_.size(); ++i) {
    if (!fds_[i]) {
      fds_[i] = std::move(f);
      return static_cast<uint32_t>(i);
    }
  }
  if (fds_.size() >= kMaxFds) return std::nullopt;
  fds_.emplace_back(std::move(f));
  return static_cast<uint32_t>(fds_.size() - 1);
}

void FdTable::close(uint32_t fd) {
  OpenFile* f = get(fd);
  if (!f) return;
  if (f->host >= 0) ::close(f->host);
  fds_[fd].reset();
}

void FdTable::renumber(uint32_t from, uint32_t to) {
  if (from == to) return;
  close(to);
  fds_[to] = std::move(fds_[from]);
  fds_[from].reset();
}

namespace p1 {

namespace {

using wasm::Caller;

// Host errno → preview1 errno (witx "errno" mirrors POSIX names one to one).
uint32_t from_errno(int e) {
  switch (e) {
    case 0: return kSuccess;
    case E2BIG: return k2big;
    case EACCES: return kAcces;
    case EAGAIN: return kAgain;
    case EBADF: return kBadf;
    case EBUSY: return kBusy;
    case EEXIST: return kExist;
    case EFAULT: return kFault;
    case EFBIG: return kFbig;
    case EILSEQ: return kIlseq;
    case EINVAL: return kInval;
    case EIO: return kIo;
    case EISDIR: return kIsdir;
    case ELOOP: return kLoop;
    case EMFILE: return kNfile;  // the host's limit, seen by the guest as the system's
    case ENFILE: return kNfile;
    case EMLINK: return kMlink;
    case ENAMETOOLONG: return kNametoolong;
    case ENODEV: return kNodev;
    case ENOENT: return kNoent;
    case ENOMEM: return kNomem;
    case ENOSPC: return kNospc;
    case ENOSYS: return kNosys;
    case ENOTDIR: return kNotdir;
    case ENOTEMPTY: return kNotempty;
    case EOPNOTSUPP: return kNotsup;
    case ENOTTY: return kNotty;
    case ENXIO: return kNxio;
    case EOVERFLOW: return kOverflow;
    case EPERM: return kPerm;
    case EPIPE: return kPipe;
    case EROFS: return kRofs;
    case ESPIPE: return kSpipe;
    case ETXTBSY: return kTxtbsy;
    case EXDEV: return kXdev;
    default: return kIo;
  }
}
// An error of path resolution: EXDEV there means "leaves the mount" (mounts.h).
uint32_t resolve_errno(int neg) {
  if (neg >= 0) return kSuccess;
  return -neg == mounts::kEscapes ? kNotcapable : from_errno(-neg);
}

FdTable* table(Caller& c) {
  GuestEnv* e = env_of(c);
  return e ? e->files.get() : nullptr;
}

// Right bits (witx "rights").
constexpr uint64_t kRightRead = 1ull << 1, kRightWrite = 1ull << 6, kRightDatasync = 1ull << 0,
                   kRightAllocate = 1ull << 8, kRightSetSize = 1ull << 22, kRightReaddir = 1ull << 14,
                   kRightSeek = 1ull << 2, kRightTell = 1ull << 5, kRightPathSetSize = 1ull << 19;

// Reads a guest path: `fault` outside memory, `inval` with a NUL inside (the kernel would cut
// it there), `nametoolong` past PATH_MAX.
uint32_t guest_path(Caller& c, uint32_t ptr, uint32_t len, std::string& out) {
  Mem m(c);
  if (!m.ok(ptr, len)) return kFault;
  if (len > mounts::kMaxPath) return kNametoolong;
  out.assign(reinterpret_cast<const char*>(m.base + ptr), len);
  if (out.find('\0') != std::string::npos) return kInval;
  return kSuccess;
}

// The open, non-stdio file at `fd`.
uint32_t file_at(Caller& c, uint32_t fd, OpenFile*& f) {
  FdTable* t = table(c);
  f = t ? t->get(fd) : nullptr;
  if (!f || f->stdio) return kBadf;
  return kSuccess;
}
uint32_t dir_at(Caller& c, uint32_t fd, OpenFile*& f) {
  if (uint32_t e = file_at(c, fd, f)) return e;
  return f->dir ? kSuccess : kNotdir;
}

uint8_t filetype(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFBLK: return 1;
    case S_IFCHR: return 2;
    case S_IFDIR: return 3;
    case S_IFREG: return 4;
    case S_IFSOCK: return 6;
    case S_IFLNK: return 7;
    default: return 0;
  }
}

uint64_t ns(const timespec& t) { return uint64_t(t.tv_sec) * 1000000000ull + uint64_t(t.tv_nsec); }

// witx "filestat": dev, ino, filetype (u8, padded), nlink, size, atim, mtim, ctim: 64 bytes.
uint32_t put_filestat(Caller& c, uint32_t p, const struct stat& st) {
  Mem m(c);
  if (!m.ok(p, 64)) return kFault;
  std::memset(m.base + p, 0, 64);
  m.put64(p, st.st_dev);
  m.put64(p + 8, st.st_ino);
  m.base[p + 16] = filetype(st.st_mode);
  m.put64(p + 24, st.st_nlink);
  m.put64(p + 32, uint64_t(st.st_size));
  m.put64(p + 40, ns(st.st_atim));
  m.put64(p + 48, ns(st.st_mtim));
  m.put64(p + 56, ns(st.st_ctim));
  return kSuccess;
}

// witx "fstflags" → utimensat's times: atim 1, atim_now 2, mtim 4, mtim_now 8; a time and
// "now" for the same stamp together are `inval`.
uint32_t times_of(uint64_t atim, uint64_t mtim, uint32_t flags, timespec ts[2]) {
  if (flags > 15 || ((flags & 1) && (flags & 2)) || ((flags & 4) && (flags & 8))) return kInval;
  auto one = [](uint64_t t, bool set, bool now, timespec& out) {
    out.tv_sec = 0;
    out.tv_nsec = now ? UTIME_NOW : set ? 0 : UTIME_OMIT;
    if (set) {
      out.tv_sec = time_t(t / 1000000000ull);
      out.tv_nsec = long(t % 1000000000ull);
    }
  };
  one(atim, flags & 1, flags & 2, ts[0]);
  one(mtim, flags & 4, flags & 8, ts[1]);
  return kSuccess;
}

// Guest iovecs (witx "iovec"/"ciovec": buf u32, len u32) as host iovecs, at most IOV_MAX (a
// shorter transfer is what POSIX allows and guests loop on).
uint32_t host_iovecs(Caller& c, uint32_t iovs, uint32_t n, std::vector<iovec>& out) {
  Mem m(c);
  if (!m.ok(iovs, 8ull * n)) return kFault;
  n = std::min<uint32_t>(n, IOV_MAX);
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t buf = m.u32(iovs + 8 * i), len = m.u32(iovs + 8 * i + 4);
    if (!m.ok(buf, len)) return kFault;
    out.push_back({m.base + buf, len});
  }
  return kSuccess;
}

uint32_t transfer(Caller& c, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out, bool write, int64_t offset) {
  OpenFile* f;
  if (uint32_t e = file_at(c, fd, f)) return e;
  if (f->dir) return write ? kBadf : kIsdir;
  if (!(f->rights & (write ? kRightWrite : kRightRead))) return kNotcapable;
  if (!Mem(c).ok(out, 4)) return kFault;
  std::vector<iovec> v;
  if (uint32_t e = host_iovecs(c, iovs, n, v)) return e;
  ssize_t got;
  do {
    if (offset < 0) got = write ? ::writev(f->host, v.data(), int(v.size())) : ::readv(f->host, v.data(), int(v.size()));
    else got = write ? ::pwritev(f->host, v.data(), int(v.size()), offset) : ::preadv(f->host, v.data(), int(v.size()), offset);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return from_errno(errno);
  Mem(c).put32(out, uint32_t(got));
  return kSuccess;
}

uint32_t as(uint64_t v) { return uint32_t(v); }

// ---- fd_* ----

uint32_t fd_close(Caller& c, const uint64_t* a) {
  FdTable* t = table(c);
  uint32_t fd = as(a[0]);
  if (!t) return fd <= 2 ? kSuccess : kBadf;
  if (!t->get(fd)) return kBadf;
  t->close(fd);
  return kSuccess;
}

uint32_t fd_seek(Caller& c, const uint64_t* a) {
  uint32_t fd = as(a[0]), whence = as(a[2]), out = as(a[3]);
  FdTable* t = table(c);
  OpenFile* f = t ? t->get(fd) : nullptr;
  if (!f) return fd <= 2 && !t ? kSpipe : kBadf;
  if (f->stdio) return kSpipe;
  if (f->dir) return kBadf;  // wasmtime: a directory is not seekable through fd_seek
  if (whence > 2) return kInval;
  if (!Mem(c).ok(out, 8)) return kFault;
  off_t pos = ::lseek(f->host, off_t(int64_t(a[1])), whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : SEEK_END);
  if (pos < 0) return from_errno(errno);
  Mem(c).put64(out, uint64_t(pos));
  return kSuccess;
}

uint32_t fd_tell(Caller& c, const uint64_t* a) {
  OpenFile* f;
  uint32_t fd = as(a[0]), out = as(a[1]);
  FdTable* t = table(c);
  OpenFile* any = t ? t->get(fd) : nullptr;
  if (any && any->stdio) return kSpipe;
  if (uint32_t e = file_at(c, fd, f)) return e;
  if (f->dir) return kBadf;
  if (!Mem(c).ok(out, 8)) return kFault;
  off_t pos = ::lseek(f->host, 0, SEEK_CUR);
  if (pos < 0) return from_errno(errno);
  Mem(c).put64(out, uint64_t(pos));
  return kSuccess;
}

uint32_t fd_fdstat_get(Caller& c, const uint64_t* a) {
  uint32_t fd = as(a[0]), p = as(a[1]);
  FdTable* t = table(c);
  OpenFile* f = t ? t->get(fd) : nullptr;
  Mem m(c);
  if (!f && !(fd <= 2 && !t)) return kBadf;
  if (!m.ok(p, 24)) return kFault;
  std::memset(m.base + p, 0, 24);
  if (!f || f->stdio) {
    m.base[p] = 2;  // filetype: character_device
    // rights: fd_read (bit 1) for stdin, fd_write (bit 6) for stdout/stderr
    m.put64(p + 8, fd == 0 ? kRightRead : kRightWrite);
    return kSuccess;
  }
  struct stat st;
  if (::fstat(f->host, &st) != 0) return from_errno(errno);
  m.base[p] = filetype(st.st_mode);
  int fl = ::fcntl(f->host, F_GETFL);
  uint16_t flags = f->fdflags & ~uint16_t(1 | 4);
  if (fl >= 0 && (fl & O_APPEND)) flags |= 1;
  if (fl >= 0 && (fl & O_NONBLOCK)) flags |= 4;
  m.put16(p + 2, flags);
  m.put64(p + 8, f->rights);
  m.put64(p + 16, f->inheriting);
  return kSuccess;
}

uint32_t fd_fdstat_set_flags(Caller& c, const uint64_t* a) {
  OpenFile* f;
  if (uint32_t e = file_at(c, as(a[0]), f)) return e;
  uint32_t flags = as(a[1]);
  if (flags & ~uint32_t(31)) return kInval;
  // Linux's F_SETFL changes only O_APPEND and O_NONBLOCK; the sync flags are fixed at open.
  if ((flags & (2 | 8 | 16)) != (f->fdflags & (2 | 8 | 16))) return kNotsup;
  int fl = ::fcntl(f->host, F_GETFL);
  if (fl < 0) return from_errno(errno);
  fl = (fl & ~(O_APPEND | O_NONBLOCK)) | ((flags & 1) ? O_APPEND : 0) | ((flags & 4) ? O_NONBLOCK : 0);
  if (::fcntl(f->host, F_SETFL, fl) != 0) return from_errno(errno);
  f->fdflags = uint16_t(flags);
  return kSuccess;
}

uint32_t fd_fdstat_set_rights(Caller& c, const uint64_t* a) {
  OpenFile* f;
  if (uint32_t e = file_at(c, as(a[0]), f)) return e;
  // Rights only shrink (witx: "can only remove rights").
  if ((a[1] & ~f->rights) || (a[2] & ~f->inheriting)) return kNotcapable;
  f->rights = a[1];
  f->inheriting = a[2];
  return kSuccess;
}

uint32_t fd_filestat_get(Caller& c, const uint64_t* a) {
  uint32_t fd = as(a[0]);
  FdTable* t = table(c);
  OpenFile* f = t ? t->get(fd) : nullptr;
  if (f && f->stdio) {
    struct stat st{};
    st.st_mode = S_IFCHR;
    return put_filestat(c, as(a[1]), st);
  }
  if (uint32_t e = file_at(c, fd, f)) return e;
  struct stat st;
  if (::fstat(f->host, &st) != 0) return from_errno(errno);
  return put_filestat(c, as(a[1]), st);
}

uint32_t fd_filestat_set_size(Caller& c, const uint64_t* a) {
  OpenFile* f;
  if (uint32_t e = file_at(c, as(a[0]), f)) return e;
  if (f->read_only) return kRofs;
  if (f->dir) return kBadf;
  if (!(f->rights & kRightSetSize)) return kNotcapable;
  if (int64_t(a[1]) < 0) return kInval;
  if (::ftruncate(f->host, off_t(a[1])) != 0) return from_errno(errno);
  return kSuccess;
}

uint32_t fd_filestat_set_times(Caller& c, const uint64_t* a) {
  OpenFile* f;
  if (uint32_t e = file_at(c, as(a[0]), f)) return e;
  timespec ts[2];
  if (uint32_t e = times_of(a[1], a[2], as(a[3]), ts)) return e;
  if (f->read_only) return kRofs;
  if (::futimens(f->host, ts) != 0) return from_errno(errno);
  return kSuccess;
}

uint32_t fd_sync(Caller& c, const uint64_t* a, bool data) {
  OpenFile* f;
  if (uint32_t e = file_at(c, as(a[0]), f)) return e;
  int rc = data ? ::fdatasync(f->host) : ::fsync(f->host);
  // A directory opened read-only may refuse; a read-only mount has nothing to flush.
  if (rc != 0 && !(f->read_only && errno == EBADF)) return from_errno(errno);
  return kSuccess;
}

uint32_t fd_advise(Caller& c, const uint64_t* a) {
  OpenFile* f;
  if (uint32_t e = file_at(c, as(a[0]), f)) return e;
  uint32_t advice = as(a[3]);
  if (advice > 5) return kInval;
  if (f->dir) return kBadf;
  // witx "advice": normal, sequential, random, willneed, dontneed, noreuse.
  static const int kAdvice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  int rc = ::posix_fadvise(f->host, off_t(a[1]), off_t(a[2]), kAdvice[advice]);
  return rc == 0 ? kSuccess : from_errno(rc);
}

uint32_t fd_allocate(Caller& c, const uint64_t* a) {
  OpenFile* f;
  if (uint32_t e = file_at(c, as(a[0]), f)) return e;
  if (f->read_only) return kRofs;
  if (f->dir) return kBadf;
  if (int64_t(a[1]) < 0 || int64_t(a[2]) <= 0) return kInval;
  int rc = ::posix_fallocate(f->host, off_t(a[1]), off_t(a[2]));
  return rc == 0 ? kSuccess : from_errno(rc);
}

uint32_t fd_renumber(Caller& c, const uint64_t* a) {
  FdTable* t = table(c);
  uint32_t from = as(a[0]), to = as(a[1]);
  if (!t || !t->get(from) || !t->get(to)) return kBadf;
  t->renumber(from, to);
  return kSuccess;
}

uint32_t fd_prestat_get(Caller& c, const uint64_t* a) {
  FdTable* t = table(c);
  OpenFile* f = t ? t->get(as(a[0])) : nullptr;
  if (!f || f->preopen.empty()) return kBadf;
  Mem m(c);
  uint32_t p = as(a[1]);
  if (!m.ok(p, 8)) return kFault;
  std::memset(m.base + p, 0, 8);  // tag 0: dir
  m.put32(p + 4, uint32_t(f->preopen.size()));
  return kSuccess;
}

uint32_t fd_prestat_dir_name(Caller& c, const uint64_t* a) {
  FdTable* t = table(c);
  OpenFile* f = t ? t->get(as(a[0])) : nullptr;
  if (!f || f->preopen.empty()) return kBadf;
  Mem m(c);
  uint32_t p = as(a[1]), len = as(a[2]);
  if (len < f->preopen.size()) return kNametoolong;
  if (!m.ok(p, f->preopen.size())) return kFault;
  std::memcpy(m.base + p, f->preopen.data(), f->preopen.size());
  return kSuccess;
}

// witx "dirent": d_next u64, d_ino u64, d_namlen u32, d_type u8 (24 bytes), then the name.
// The cookie is the kernel's directory offset of the next entry (dirent d_off, what telldir and
// seekdir use), so a listing resumes where the last call stopped: the open DIR stream is kept
// with the descriptor, and only a cookie other than where it stands seeks (0 rewinds). A large
// directory read in many calls is thus read once, not once per call.
uint32_t fd_readdir(Caller& c, const uint64_t* a) {
  OpenFile* f;
  if (uint32_t e = file_at(c, as(a[0]), f)) return e;
  if (!f->dir) return kNotdir;
  uint32_t buf = as(a[1]), len = as(a[2]), used = as(a[4]);
  uint64_t cookie = a[3];
  if (!Mem(c).ok(buf, len) || !Mem(c).ok(used, 4)) return kFault;
  if (!f->listing) {
    int fd = ::openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return from_errno(errno);
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      return from_errno(errno);
    }
    f->listing.reset(d, ::closedir);
    f->listing_pos = 0;
  }
  DIR* d = f->listing.get();
  if (cookie == 0) ::rewinddir(d);
  else if (cookie != f->listing_pos) ::seekdir(d, long(cookie));
  f->listing_pos = cookie;
  Mem m(c);
  uint32_t pos = 0;
  while (pos < len) {
    errno = 0;
    dirent* de = ::readdir(d);
    if (!de) break;
    uint8_t type = 0;
    if (de->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) type = filetype(st.st_mode);
    } else {
      type = filetype(DTTOIF(de->d_type));
    }
    size_t namelen = std::strlen(de->d_name);
    uint8_t head[24];
    uint64_t next = uint64_t(de->d_off), ino = de->d_ino;
    f->listing_pos = next;
    uint32_t nl = uint32_t(namelen);
    std::memcpy(head, &next, 8);
    std::memcpy(head + 8, &ino, 8);
    std::memcpy(head + 16, &nl, 4);
    std::memset(head + 20, 0, 4);
    head[20] = type;
    // A last entry that does not fit is cut: bufused == buf_len tells the guest to read on
    // (from the previous entry's cookie, which seeks back to this one).
    uint32_t n = std::min<uint32_t>(24, len - pos);
    std::memcpy(m.base + buf + pos, head, n);
    pos += n;
    n = std::min<uint32_t>(uint32_t(namelen), len - pos);
    std::memcpy(m.base + buf + pos, de->d_name, n);
    pos += n;
  }
  m.put32(used, pos);
  return kSuccess;
}

// ---- path_* ----

// A directory descriptor and a guest path in it, read and checked.
struct At {
  OpenFile* dir = nullptr;
  std::string path;
};
uint32_t at(Caller& c, uint32_t fd, uint32_t ptr, uint32_t len, At& out) {
  if (uint32_t e = dir_at(c, fd, out.dir)) return e;
  return guest_path(c, ptr, len, out.path);
}

uint32_t path_open(Caller& c, const uint64_t* a) {
  At p;
  if (uint32_t e = at(c, as(a[0]), as(a[2]), as(a[3]), p)) return e;
  uint32_t lookup = as(a[1]), oflags = as(a[4]), fdflags = as(a[7]), out = as(a[8]);
  uint64_t rights = a[5], inheriting = a[6];
  if (!Mem(c).ok(out, 4)) return kFault;
  if (oflags & ~uint32_t(15) || fdflags & ~uint32_t(31)) return kInval;
  bool directory = oflags & 2;
  bool write = (rights & (kRightWrite | kRightDatasync | kRightAllocate | kRightSetSize)) || (fdflags & 1) ||
               (oflags & 8);
  bool read = rights & (kRightRead | kRightReaddir);
  if (p.dir->read_only && (write || (oflags & (1 | 8)))) return kRofs;
  // witx path_open: O_TRUNC needs the directory's path_filestat_set_size right.
  if ((oflags & 8) && !(p.dir->rights & kRightPathSetSize)) return kNotcapable;
  // A directory is never opened for writing (POSIX open(2): EISDIR).
  if (directory && (rights & kRightWrite)) return kIsdir;
  int flags = O_NOCTTY;
  if (directory) flags |= O_DIRECTORY | O_RDONLY;
  else flags |= write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (oflags & 1) flags |= O_CREAT;
  if (oflags & 4) flags |= O_EXCL;
  if (oflags & 8) flags |= O_TRUNC;
  if (!(lookup & 1)) flags |= O_NOFOLLOW;
  if (fdflags & 1) flags |= O_APPEND;
  if (fdflags & 2) flags |= O_DSYNC;
  if (fdflags & 4) flags |= O_NONBLOCK;
  if (fdflags & 8) flags |= O_RSYNC;
  if (fdflags & 16) flags |= O_SYNC;
  FdTable* t = table(c);
  int fd = mounts::open_beneath(p.dir->host, p.path, flags, 0666);
  // A directory opened for reading only by rights that also asked for writing: Linux says
  // EISDIR; retry read-only, as WASI lets a guest hold a directory with extra rights.
  if (fd == -EISDIR && !(oflags & (1 | 8)) && !(fdflags & 1)) fd = mounts::open_beneath(p.dir->host, p.path, (flags & ~O_ACCMODE) | O_RDONLY);
  if (fd < 0) return resolve_errno(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return from_errno(e);
  }
  OpenFile f;
  f.host = fd;
  f.dir = S_ISDIR(st.st_mode);
  f.read_only = p.dir->read_only;
  f.fdflags = uint16_t(fdflags);
  f.rights = rights & p.dir->inheriting;
  if (f.dir) f.rights &= kDirRights;
  f.inheriting = inheriting & p.dir->inheriting;
  auto num = t->add(std::move(f));
  if (!num) {
    ::close(fd);
    return kNfile;
  }
  Mem(c).put32(out, *num);
  return kSuccess;
}

uint32_t path_filestat_get(Caller& c, const uint64_t* a) {
  At p;
  if (uint32_t e = at(c, as(a[0]), as(a[2]), as(a[3]), p)) return e;
  struct stat st;
  if (int rc = mounts::stat_at(p.dir->host, p.path, as(a[1]) & 1, st); rc < 0) return resolve_errno(rc);
  return put_filestat(c, as(a[4]), st);
}

uint32_t path_filestat_set_times(Caller& c, const uint64_t* a) {
  At p;
  if (uint32_t e = at(c, as(a[0]), as(a[2]), as(a[3]), p)) return e;
  timespec ts[2];
  if (uint32_t e = times_of(a[4], a[5], as(a[6]), ts)) return e;
  if (p.dir->read_only) return kRofs;
  return resolve_errno(mounts::set_times_at(p.dir->host, p.path, as(a[1]) & 1, ts));
}

// A directory and a path in it, for the path operations that change the tree: `rofs` on a
// read_only mount.
uint32_t writable_at(Caller& c, uint32_t fd, uint32_t ptr, uint32_t len, At& out) {
  if (uint32_t e = at(c, fd, ptr, len, out)) return e;
  return out.dir->read_only ? kRofs : kSuccess;
}

uint32_t path_create_directory(Caller& c, const uint64_t* a) {
  At p;
  if (uint32_t e = writable_at(c, as(a[0]), as(a[1]), as(a[2]), p)) return e;
  return resolve_errno(mounts::create_directory_at(p.dir->host, p.path));
}

uint32_t path_remove_directory(Caller& c, const uint64_t* a) {
  At p;
  if (uint32_t e = writable_at(c, as(a[0]), as(a[1]), as(a[2]), p)) return e;
  return resolve_errno(mounts::remove_directory_at(p.dir->host, p.path));
}

uint32_t path_unlink_file(Caller& c, const uint64_t* a) {
  At p;
  if (uint32_t e = writable_at(c, as(a[0]), as(a[1]), as(a[2]), p)) return e;
  return resolve_errno(mounts::unlink_file_at(p.dir->host, p.path));
}

uint32_t path_rename(Caller& c, const uint64_t* a) {
  At from, to;
  if (uint32_t e = writable_at(c, as(a[0]), as(a[1]), as(a[2]), from)) return e;
  if (uint32_t e = writable_at(c, as(a[3]), as(a[4]), as(a[5]), to)) return e;
  return resolve_errno(mounts::rename_at(from.dir->host, from.path, to.dir->host, to.path));
}

uint32_t path_symlink(Caller& c, const uint64_t* a) {
  std::string target;
  if (uint32_t e = guest_path(c, as(a[0]), as(a[1]), target)) return e;
  At p;
  if (uint32_t e = writable_at(c, as(a[2]), as(a[3]), as(a[4]), p)) return e;
  return resolve_errno(mounts::symlink_at(target, p.dir->host, p.path));
}

// The link's target cut to the buffer, and the cut length as bufused: what wasmtime does
// ("path_readlink in wasi-libc expects the result to be truncated to the length of the
// buffer"), and what POSIX readlink(2) does with a short buffer.
uint32_t path_readlink(Caller& c, const uint64_t* a) {
  At p;
  if (uint32_t e = at(c, as(a[0]), as(a[1]), as(a[2]), p)) return e;
  uint32_t buf = as(a[3]), len = as(a[4]), used = as(a[5]);
  Mem m(c);
  if (!m.ok(buf, len) || !m.ok(used, 4)) return kFault;
  std::string target;
  if (int rc = mounts::readlink_at(p.dir->host, p.path, target); rc < 0) return resolve_errno(rc);
  uint32_t k = std::min<uint32_t>(uint32_t(target.size()), len);
  std::memcpy(m.base + buf, target.data(), k);
  m.put32(used, k);
  return kSuccess;
}

uint32_t path_link(Caller& c, const uint64_t* a) {
  At old, to;
  if (uint32_t e = at(c, as(a[0]), as(a[2]), as(a[3]), old)) return e;
  if (uint32_t e = writable_at(c, as(a[4]), as(a[5]), as(a[6]), to)) return e;
  if (old.dir->read_only) return kRofs;
  return resolve_errno(mounts::link_at(old.dir->host, old.path, as(a[1]) & 1, to.dir->host, to.path));
}

uint32_t not_a_socket(Caller& c, const uint64_t* a) {
  FdTable* t = table(c);
  uint32_t fd = as(a[0]);
  bool open = t ? t->get(fd) != nullptr : fd <= 2;
  return open ? kNotsock : kBadf;
}

}  // namespace

uint32_t file_read(Caller& c, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out) {
  return transfer(c, fd, iovs, n, out, false, -1);
}
uint32_t file_write(Caller& c, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out) {
  return transfer(c, fd, iovs, n, out, true, -1);
}

#define I32 wasm::ValType::I32
#define I64 wasm::ValType::I64
#define FN(body) [](wasm::Caller& c, const uint64_t* a, uint64_t* r) -> core::Status { r[0] = body; return {}; }

const std::vector<Def>& fs_defs() {
  static const std::vector<Def> all = {
      {"fd_close", {I32}, {I32}, FN(fd_close(c, a))},
      {"fd_seek", {I32, I64, I32, I32}, {I32}, FN(fd_seek(c, a))},
      {"fd_tell", {I32, I32}, {I32}, FN(fd_tell(c, a))},
      {"fd_fdstat_get", {I32, I32}, {I32}, FN(fd_fdstat_get(c, a))},
      {"fd_fdstat_set_flags", {I32, I32}, {I32}, FN(fd_fdstat_set_flags(c, a))},
      {"fd_fdstat_set_rights", {I32, I64, I64}, {I32}, FN(fd_fdstat_set_rights(c, a))},
      {"fd_filestat_get", {I32, I32}, {I32}, FN(fd_filestat_get(c, a))},
      {"fd_filestat_set_size", {I32, I64}, {I32}, FN(fd_filestat_set_size(c, a))},
      {"fd_filestat_set_times", {I32, I64, I64, I32}, {I32}, FN(fd_filestat_set_times(c, a))},
      {"fd_pread", {I32, I32, I32, I64, I32}, {I32},
       FN(transfer(c, as(a[0]), as(a[1]), as(a[2]), as(a[4]), false, int64_t(a[3]) < 0 ? INT64_MAX : int64_t(a[3])))},
      {"fd_pwrite", {I32, I32, I32, I64, I32}, {I32},
       FN(transfer(c, as(a[0]), as(a[1]), as(a[2]), as(a[4]), true, int64_t(a[3]) < 0 ? INT64_MAX : int64_t(a[3])))},
      {"fd_sync", {I32}, {I32}, FN(fd_sync(c, a, false))},
      {"fd_datasync", {I32}, {I32}, FN(fd_sync(c, a, true))},
      {"fd_advise", {I32, I64, I64, I32}, {I32}, FN(fd_advise(c, a))},
      {"fd_allocate", {I32, I64, I64}, {I32}, FN(fd_allocate(c, a))},
      {"fd_renumber", {I32, I32}, {I32}, FN(fd_renumber(c, a))},
      {"fd_readdir", {I32, I32, I32, I64, I32}, {I32}, FN(fd_readdir(c, a))},
      {"fd_prestat_get", {I32, I32}, {I32}, FN(fd_prestat_get(c, a))},
      {"fd_prestat_dir_name", {I32, I32, I32}, {I32}, FN(fd_prestat_dir_name(c, a))},
      {"path_open", {I32, I32, I32, I32, I32, I64, I64, I32, I32}, {I32}, FN(path_open(c, a))},
      {"path_filestat_get", {I32, I32, I32, I32, I32}, {I32}, FN(path_filestat_get(c, a))},
      {"path_filestat_set_times", {I32, I32, I32, I32, I64, I64, I32}, {I32}, FN(path_filestat_set_times(c, a))},
      {"path_create_directory", {I32, I32, I32}, {I32}, FN(path_create_directory(c, a))},
      {"path_remove_directory", {I32, I32, I32}, {I32}, FN(path_remove_directory(c, a))},
      {"path_unlink_file", {I32, I32, I32}, {I32}, FN(path_unlink_file(c, a))},
      {"path_rename", {I32, I32, I32, I32, I32, I32}, {I32}, FN(path_rename(c, a))},
      {"path_symlink", {I32, I32, I32, I32, I32}, {I32}, FN(path_symlink(c, a))},
      {"path_readlink", {I32, I32, I32, I32, I32, I32}, {I32}, FN(path_readlink(c, a))},
      {"path_link", {I32, I32, I32, I32, I32, I32, I32}, {I32}, FN(path_link(c, a))},
      // No sockets are ever handed to a guest: an open descriptor is `notsock`, others `badf`.
      {"sock_shutdown", {I32, I32}, {I32}, FN(not_a_socket(c, a))},
      {"sock_accept", {I32, I32, I32}, {I32}, FN(not_a_socket(c, a))},
      {"sock_recv", {I32, I32, I32, I32, I32, I32}, {I32}, FN(not_a_socket(c, a))},
      {"sock_send", {I32, I32, I32, I32, I32}, {I32}, FN(not_a_socket(c, a))},
  };
  return all;
}

#undef FN
#undef I32
#undef I64

}  // namespace p1
}  // namespace wirt::wasi

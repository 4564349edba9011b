#include "wasm/cache_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/sha256.h"

namespace wirt::wasm {
namespace {

constexpr size_t kMagicSize = 8, kKeySize = 64, kShaSize = 64;
constexpr size_t kTrailer = kMagicSize + kKeySize + kShaSize;
constexpr size_t kChunk = 1u << 20;
constexpr std::string_view kRecordSuffix = ".verified";
// Smaller files are hashed at each check: that costs about what opening a record does.
constexpr uint64_t kRecordMinBytes = 1u << 20;

std::atomic<uint64_t> g_full_checks{0};
std::atomic<uint64_t> g_record_counter{0};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

// Opens a cache file for reading. Not ok() when it cannot be opened; *why stays empty when it
// simply is not there (not cached), else says why.
Fd open_cache_file(const std::string& path, std::string* why) {
  why->clear();
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok() && errno != ENOENT) *why = fmt::format("cannot open: {}", std::strerror(errno));
  return fd;
}

bool pread_all(int fd, char* buf, size_t n, off_t at) {
  while (n > 0) {
    ssize_t r = pread(fd, buf, n, at);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf += r;
    n -= size_t(r);
    at += r;
  }
  return true;
}

bool write_all(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t r = write(fd, buf, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf += r;
    n -= size_t(r);
  }
  return true;
}

// sha256 (hex) of the first `size` bytes of `fd`, read in chunks; empty on a read error.
std::string hash_prefix(int fd, uint64_t size) {
  core::Sha256 h;
  std::vector<char> buf(kChunk);
  for (uint64_t at = 0; at < size;) {
    size_t n = size_t(std::min<uint64_t>(kChunk, size - at));
    if (!pread_all(fd, buf.data(), n, off_t(at))) return {};
    h.update(buf.data(), n);
    at += n;
  }
  return h.finish_hex();
}

// Checks a trailer's magic and key (not its checksum).
bool trailer_names(std::string_view trailer, std::string_view magic, std::string_view key, std::string* why) {
  if (trailer.substr(0, kMagicSize) != magic) return *why = "no wirt trailer", false;
  if (trailer.substr(kMagicSize, kKeySize) != key) return *why = "built for another key", false;
  return true;
}

bool same_identity(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

// The record a file with identity `st` and trailer `trailer` has once verified (cache_file.h).
std::string record_text(const struct stat& st, std::string_view trailer) {
  return fmt::format("wirt-verified 1\nfile {} {} {} {}.{:09} {}.{:09}\nmagic {}\nkey {}\nsha256 {}\n",
                     uint64_t(st.st_dev), uint64_t(st.st_ino), int64_t(st.st_size),
                     int64_t(st.st_mtim.tv_sec), long(st.st_mtim.tv_nsec), int64_t(st.st_ctim.tv_sec),
                     long(st.st_ctim.tv_nsec), trailer.substr(0, kMagicSize),
                     trailer.substr(kMagicSize, kKeySize), trailer.substr(kMagicSize + kKeySize));
}

std::string record_path(const std::string& path) { return path + std::string(kRecordSuffix); }

bool record_matches(const std::string& path, const std::string& want) {
  Fd fd(open(record_path(path).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) return false;
  std::string got(want.size() + 1, '\0');  // one byte more: a longer record is not a match
  ssize_t n = read(fd.get(), got.data(), got.size());
  return n == ssize_t(want.size()) && got.compare(0, want.size(), want) == 0;
}

// Written under a temporary name in the same folder and renamed: a reader never sees a partial
// record. Named like the builders' temporary files (.tmp-<key16>-<pid>-<n>) so an abandoned
// one is removed the same way (tier2_cache.cc). Failures are ignored: the record is a shortcut.
void write_record(const std::string& path, std::string_view key, const std::string& text) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string tmp = fmt::format("{}/.tmp-{}-{}-{}.verified", dir, key.substr(0, 16), getpid(),
                                g_record_counter.fetch_add(1));
  {
    Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.ok()) return;
    if (!write_all(fd.get(), text.data(), text.size())) {
      unlink(tmp.c_str());
      return;
    }
  }
  if (rename(tmp.c_str(), record_path(path).c_str()) != 0) unlink(tmp.c_str());
}

}  // namespace

bool seal_cache_file(const std::string& path, std::string_view magic, std::string_view key) {
  if (magic.size() != kMagicSize || key.size() != kKeySize) return false;
  Fd fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
  struct stat st{};
  if (!fd.ok() || fstat(fd.get(), &st) != 0) return false;
  std::string sha = hash_prefix(fd.get(), uint64_t(st.st_size));
  if (sha.empty()) return false;
  std::string trailer = std::string(magic) + std::string(key) + sha;
  return lseek(fd.get(), 0, SEEK_END) == st.st_size && write_all(fd.get(), trailer.data(), trailer.size());
}

bool verify_cache_file(const std::string& path, std::string_view magic, std::string_view key,
                       std::string* why) {
  Fd fd = open_cache_file(path, why);
  if (!fd.ok()) return false;
  struct stat before{};
  if (fstat(fd.get(), &before) != 0) return *why = "cannot stat", false;
  if (uint64_t(before.st_size) < kTrailer) return *why = "truncated", false;
  uint64_t body = uint64_t(before.st_size) - kTrailer;
  std::string trailer(kTrailer, '\0');
  if (!pread_all(fd.get(), trailer.data(), kTrailer, off_t(body))) return *why = "truncated", false;
  if (!trailer_names(trailer, magic, key, why)) return false;
  bool use_record = body >= kRecordMinBytes;
  std::string record = use_record ? record_text(before, trailer) : std::string();
  if (use_record && record_matches(path, record)) return true;

  g_full_checks.fetch_add(1);
  std::string sha = hash_prefix(fd.get(), body);
  if (sha.empty()) return *why = "truncated", false;
  if (std::string_view(trailer).substr(kMagicSize + kKeySize) != sha) return *why = "checksum mismatch", false;
  struct stat after{};
  if (use_record && fstat(fd.get(), &after) == 0 && same_identity(before, after)) write_record(path, key, record);
  return true;
}

bool read_cache_file(const std::string& path, std::string_view magic, std::string_view key, std::string* payload,
                     std::string* why) {
  Fd fd = open_cache_file(path, why);
  if (!fd.ok()) return false;
  struct stat st{};
  if (fstat(fd.get(), &st) != 0) return *why = "cannot stat", false;
  std::string bytes(size_t(st.st_size), '\0');
  if (!pread_all(fd.get(), bytes.data(), bytes.size(), 0)) return *why = "truncated", false;
  if (bytes.size() < kTrailer) return *why = "truncated", false;
  std::string_view all(bytes);
  std::string_view trailer = all.substr(all.size() - kTrailer);
  std::string_view body = all.substr(0, all.size() - kTrailer);
  if (!trailer_names(trailer, magic, key, why)) return false;
  if (trailer.substr(kMagicSize + kKeySize) != core::sha256_hex(body)) return *why = "checksum mismatch", false;
  if (payload) {
    bytes.resize(body.size());
    *payload = std::move(bytes);
  }
  return true;
}

void remove_cache_file(const std::string& path) {
  unlink(path.c_str());
  unlink(record_path(path).c_str());
}

uint64_t cache_file_full_checks() { return g_full_checks.load(); }

}  // namespace wirt::wasm

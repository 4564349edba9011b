// File and Scanner objects of the `fs` module (runtime/lua/modules/fs/spec.md "File Object
// Methods", "Scanner Object Methods"). A File owns one descriptor opened beneath an fs.directory
// (fs_module.cc); it is closed by close(), when the call that opened it returns, or by the
// garbage collector, whichever comes first. Reads are bounded per call (kMaxReadChunk). Regular
// files only, so a read or write never blocks the worker on a FIFO or device.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "lua/call_cleanup.h"
#include "lua/error_object.h"
#include "lua/fs_module.h"

namespace wirt::lua::fsmod {

namespace {

constexpr const char* kFileClass = "wirt.fs.file";
constexpr const char* kScannerClass = "wirt.fs.scanner";

struct LuaFile {
  std::shared_ptr<FileHandle> h;
};

enum class Split { Lines, Words, Bytes, Runes };

struct Scanner {
  std::shared_ptr<FileHandle> h;
  Split split = Split::Lines;
  std::string buf;
  size_t pos = 0;
  bool eof = false;
  std::string token;
  std::string err;
};

FileHandle& open_file(lua_State* L) {
  FileHandle& h = *check_udata<LuaFile>(L, 1, kFileClass)->h;
  if (h.fd < 0) raise_error(L, core::invalid("file already closed").with_retryable(false));
  return h;
}

int f_read(lua_State* L) {
  FileHandle& h = open_file(L);
  lua_Integer size = luaL_optinteger(L, 2, 4096);
  if (size <= 0) return push_nil_error(L, core::invalid("size must be positive").with_retryable(false));
  if (!h.readable) return push_nil_error(L, core::permission_denied(fmt::format("file {} is not open for reading", h.path)));
  std::string out(std::min<size_t>(static_cast<size_t>(size), kMaxReadChunk), '\0');
  ssize_t n;
  do n = ::read(h.fd, out.data(), out.size());
  while (n < 0 && errno == EINTR);
  if (n < 0) return push_nil_error(L, errno_error("read failed", h.path, errno));
  if (n == 0) return push_nil_error(L, core::not_found("EOF").with_retryable(false));
  lua_pushlstring(L, out.data(), static_cast<size_t>(n));
  return 1;
}

}  // namespace

core::Status write_all(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno_error("write failed", path, errno);
    p += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

namespace {

int f_write(lua_State* L) {
  FileHandle& h = open_file(L);
  size_t n;
  const char* data = luaL_checklstring(L, 2, &n);
  if (n == 0) return push_nil_error(L, core::invalid("empty data").with_retryable(false));
  if (!h.writable) return push_nil_error(L, core::permission_denied(fmt::format("file {} is not open for writing", h.path)));
  if (auto st = write_all(h.fd, data, n, h.path); !st) return push_nil_error(L, std::move(st).error());
  lua_pushboolean(L, 1);
  return 1;
}

int f_seek(lua_State* L) {
  FileHandle& h = open_file(L);
  std::string whence = luaL_checkstring(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  int w = whence == "set" ? SEEK_SET : whence == "cur" ? SEEK_CUR : whence == "end" ? SEEK_END : -1;
  if (w < 0) return push_nil_error(L, core::invalid(fmt::format("invalid whence: {} (set, cur or end)", whence)));
  off_t pos = ::lseek(h.fd, static_cast<off_t>(offset), w);
  if (pos < 0) return push_nil_error(L, errno_error("seek failed", h.path, errno));
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

int f_close(lua_State* L) {
  check_udata<LuaFile>(L, 1, kFileClass)->h->close();
  lua_pushboolean(L, 1);
  return 1;
}

int f_stat(lua_State* L) {
  FileHandle& h = open_file(L);
  std::string name = h.path.substr(h.path.find_last_of('/') == std::string::npos ? 0 : h.path.find_last_of('/') + 1);
  if (auto st = push_stat(L, h.fd, name); !st) return push_nil_error(L, std::move(st).error());
  return 1;
}

int f_sync(lua_State* L) {
  FileHandle& h = open_file(L);
  if (::fsync(h.fd) != 0) return push_nil_error(L, errno_error("sync failed", h.path, errno));
  lua_pushboolean(L, 1);
  return 1;
}

int f_scanner(lua_State* L) {
  auto& file = *check_udata<LuaFile>(L, 1, kFileClass);
  if (file.h->fd < 0) return push_nil_error(L, core::invalid("file is closed").with_retryable(false));
  std::string kind = luaL_optstring(L, 2, "lines");
  Split split;
  if (kind == "lines") split = Split::Lines;
  else if (kind == "words") split = Split::Words;
  else if (kind == "bytes") split = Split::Bytes;
  else if (kind == "runes") split = Split::Runes;
  else return push_nil_error(L, core::invalid(fmt::format("invalid split type: {} (lines, words, bytes or runes)", kind)));
  new_udata<Scanner>(L, kScannerClass, Scanner{file.h, split});
  return 1;
}

// Reads more input into the scanner's buffer; false at end of file or on error (err set).
bool fill(Scanner& s) {
  if (s.eof) return false;
  if (s.h->fd < 0) {
    s.err = "file already closed";
    s.eof = true;
    return false;
  }
  if (s.pos > 0) {
    s.buf.erase(0, s.pos);
    s.pos = 0;
  }
  char chunk[65536];
  ssize_t n;
  do n = ::read(s.h->fd, chunk, sizeof chunk);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    s.err = std::string("read failed: ") + std::strerror(errno);
    s.eof = true;
    return false;
  }
  if (n == 0) {
    s.eof = true;
    return false;
  }
  s.buf.append(chunk, static_cast<size_t>(n));
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

size_t rune_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

// Finds the next token (Go's bufio.Scan* split functions); false at the end or on error.
bool scan(Scanner& s) {
  if (!s.err.empty()) return false;
  for (;;) {
    std::string_view rest(s.buf.data() + s.pos, s.buf.size() - s.pos);
    switch (s.split) {
      case Split::Lines: {
        size_t nl = rest.find('\n');
        if (nl != std::string_view::npos || (s.eof && !rest.empty())) {
          size_t len = nl == std::string_view::npos ? rest.size() : nl;
          std::string_view line = rest.substr(0, len);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          s.token.assign(line);
          s.pos += nl == std::string_view::npos ? len : len + 1;
          return true;
        }
        break;
      }
      case Split::Words: {
        size_t start = 0;
        while (start < rest.size() && is_space(rest[start])) ++start;
        size_t end = start;
        while (end < rest.size() && !is_space(rest[end])) ++end;
        if (end > start && (end < rest.size() || s.eof)) {
          s.token.assign(rest.substr(start, end - start));
          s.pos += end;
          return true;
        }
        if (start == rest.size()) {  // only spaces buffered: drop them
          s.pos += start;
          rest = {};
        }
        break;
      }
      case Split::Bytes:
      case Split::Runes: {
        size_t len = s.split == Split::Bytes ? 1 : rune_length(static_cast<unsigned char>(rest.empty() ? 0 : rest[0]));
        if (!rest.empty() && (rest.size() >= len || s.eof)) {
          len = std::min(len, rest.size());
          s.token.assign(rest.substr(0, len));
          s.pos += len;
          return true;
        }
        break;
      }
    }
    if (s.buf.size() - s.pos > kMaxToken) {
      s.err = "token too long";
      return false;
    }
    if (!fill(s)) return false;
  }
}

int sc_scan(lua_State* L) {
  lua_pushboolean(L, scan(*check_udata<Scanner>(L, 1, kScannerClass)));
  return 1;
}

int sc_text(lua_State* L) {
  const std::string& t = check_udata<Scanner>(L, 1, kScannerClass)->token;
  lua_pushlstring(L, t.data(), t.size());
  return 1;
}

int sc_err(lua_State* L) {
  const std::string& e = check_udata<Scanner>(L, 1, kScannerClass)->err;
  if (e.empty()) lua_pushnil(L);
  else lua_pushlstring(L, e.data(), e.size());
  return 1;
}

int close_file_object(lua_State* L) {
  if (auto* f = test_udata<LuaFile>(L, 1, kFileClass)) f->h->close();
  return 0;
}

}  // namespace

FileHandle::~FileHandle() { close(); }

void FileHandle::close() {
  if (fd < 0) return;
  ::close(fd);
  fd = -1;
  if (budget) budget->release();
}

void push_file(lua_State* L, std::shared_ptr<FileHandle> handle) {
  new_udata<LuaFile>(L, kFileClass, LuaFile{std::move(handle)});
  register_call_cleanup(L, -1, close_file_object);
}

void define_file_classes(lua_State* L) {
  static const luaL_Reg file_methods[] = {
      {"read", f_read},   {"write", f_write}, {"seek", f_seek},       {"close", f_close},
      {"stat", f_stat},   {"sync", f_sync},   {"scanner", f_scanner}, {nullptr, nullptr},
  };
  define_class(L, kFileClass, file_methods, destroy_udata<LuaFile>);
  static const luaL_Reg scanner_methods[] = {{"scan", sc_scan}, {"text", sc_text}, {"err", sc_err}, {nullptr, nullptr}};
  define_class(L, kScannerClass, scanner_methods, destroy_udata<Scanner>);
}

}  // namespace wirt::lua::fsmod

#include "http/static_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <memory>

#include <fmt/format.h>

#include "core/open_beneath.h"
#include "http/field_values.h"

namespace wirt::http {

namespace {

using Fd = core::UniqueFd;

// Opens `rel` (a file or folder) beneath `dir`, read-only; the fd, or -errno (-EXDEV when it
// would leave the folder).
int open_beneath(int dir, const std::string& rel) {
  return core::open_beneath(dir, rel.empty() ? "." : rel, O_RDONLY);
}

struct Range {
  uint64_t first = 0, last = 0;  // inclusive
};

enum class RangeResult { None, One, Unsatisfiable };

// RFC 9110 §14.1.2 byte ranges; only one range is honoured (several → the whole file).
RangeResult parse_range(std::string_view v, uint64_t size, Range* out) {
  if (v.substr(0, 6) != "bytes=") return RangeResult::None;
  v.remove_prefix(6);
  if (v.find(',') != std::string_view::npos) return RangeResult::None;
  size_t dash = v.find('-');
  if (dash == std::string_view::npos) return RangeResult::None;
  auto num = [](std::string_view s, uint64_t* n) {
    return !s.empty() && std::from_chars(s.data(), s.data() + s.size(), *n).ptr == s.data() + s.size();
  };
  std::string_view a = v.substr(0, dash), b = v.substr(dash + 1);
  uint64_t x = 0, y = 0;
  if (a.empty()) {  // suffix: the last y bytes
    if (!num(b, &y)) return RangeResult::None;
    if (y == 0 || size == 0) return RangeResult::Unsatisfiable;
    *out = {size - std::min(y, size), size - 1};
    return RangeResult::One;
  }
  if (!num(a, &x)) return RangeResult::None;
  if (!b.empty() && (!num(b, &y) || y < x)) return RangeResult::None;
  if (x >= size) return RangeResult::Unsatisfiable;
  *out = {x, b.empty() ? size - 1 : std::min(y, size - 1)};
  return RangeResult::One;
}

bool etag_matches(std::string_view header, std::string_view etag) {
  return any_list_element(header, [&](std::string_view t) {
    if (t.substr(0, 2) == "W/") t.remove_prefix(2);  // weak comparison (RFC 9110 §13.1.2)
    return t == "*" || t == etag;
  });
}

void answer(Exchange& ex, int status, std::string_view text) {
  (void)ex.set_status(status);
  (void)ex.set_header("Content-Type", "text/plain; charset=utf-8");
  (void)ex.buffer(text);
}

struct Mount {
  StaticConfig config;
  std::shared_ptr<Fd> dir;

  // Opens the file for a request path relative to the mount; a folder opens its index.
  int open_file(std::string rel, struct stat* st) const {
    int fd = open_beneath(dir->fd, rel);
    if (fd < 0) return -1;
    if (::fstat(fd, st) != 0) {
      ::close(fd);
      return -1;
    }
    if (S_ISDIR(st->st_mode)) {
      ::close(fd);
      if (config.index.empty()) return -1;
      if (!rel.empty() && rel.back() != '/') rel += '/';
      return open_file(rel + config.index, st);
    }
    if (!S_ISREG(st->st_mode)) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  void serve(Exchange& ex) const {
    const RequestHead& req = ex.request();
    std::string_view prefix = config.path == "/" ? "" : std::string_view(config.path);
    std::string rel = req.path.substr(prefix.size());
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    struct stat st {};
    int fd = open_file(rel, &st);
    std::string name = rel;
    if (fd < 0 && config.spa && !config.index.empty()) {
      // A single-page app: unknown paths get the index, the client routes them.
      fd = open_file(config.index, &st);
      name = config.index;
    }
    if (fd < 0) {
      answer(ex, 404, "404 page not found\n");
      return;
    }
    Fd file(fd);
    if (S_ISDIR(st.st_mode) || name.empty() || name.back() == '/') name += config.index;
    uint64_t size = static_cast<uint64_t>(st.st_size);
    std::string etag = fmt::format("\"{:x}-{:x}\"", size,
                                   static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + st.st_mtim.tv_nsec);
    (void)ex.set_header("ETag", etag);
    (void)ex.set_header("Accept-Ranges", "bytes");
    if (!config.cache.empty()) (void)ex.set_header("Cache-Control", config.cache);
    if (const std::string* inm = find_field(req.headers, "if-none-match"); inm && etag_matches(*inm, etag)) {
      (void)ex.set_status(304);
      return;
    }
    (void)ex.set_header("Content-Type", std::string(content_type_for(name)));
    uint64_t first = 0, count = size;
    const std::string* range = find_field(req.headers, "range");
    const std::string* if_range = find_field(req.headers, "if-range");
    if (range && (!if_range || *if_range == etag)) {
      Range r;
      switch (parse_range(*range, size, &r)) {
        case RangeResult::Unsatisfiable:
          (void)ex.set_header("Content-Range", fmt::format("bytes */{}", size));
          answer(ex, 416, "416 range not satisfiable\n");
          return;
        case RangeResult::One:
          (void)ex.set_status(206);
          (void)ex.set_header("Content-Range", fmt::format("bytes {}-{}/{}", r.first, r.last, size));
          first = r.first;
          count = r.last - r.first + 1;
          break;
        case RangeResult::None:
          break;
      }
    }
    (void)ex.set_header("Content-Length", std::to_string(count));
    std::string chunk;
    while (count > 0) {
      chunk.resize(std::min<uint64_t>(count, 256 * 1024));
      ssize_t n = ::pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(first));
      if (n <= 0) break;  // the file shrank: the connection closes after a short body
      chunk.resize(static_cast<size_t>(n));
      if (!ex.write(chunk)) return;
      first += static_cast<uint64_t>(n);
      count -= static_cast<uint64_t>(n);
    }
  }
};

}  // namespace

std::string_view content_type_for(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"}, {".md", "text/markdown; charset=utf-8"},
      {".xml", "application/xml"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
      {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".gif", "image/gif"}, {".webp", "image/webp"},
      {".ico", "image/x-icon"}, {".wasm", "application/wasm"}, {".pdf", "application/pdf"},
      {".woff", "font/woff"}, {".woff2", "font/woff2"}, {".mp4", "video/mp4"}, {".csv", "text/csv; charset=utf-8"},
  };
  size_t dot = name.rfind('.');
  size_t slash = name.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "application/octet-stream";
  std::string ext(name.substr(dot));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [e, type] : kTypes)
    if (e == ext) return type;
  return "application/octet-stream";
}

core::Result<Handler> static_handler(const StaticConfig& config, const std::filesystem::path& fs_root) {
  int root = ::open(fs_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return core::invalid(fmt::format("fs: cannot open {}: {}", fs_root.string(), std::strerror(errno)));
  auto root_fd = std::make_shared<Fd>(root);
  std::string sub = config.directory;
  while (!sub.empty() && sub.front() == '/') sub.erase(0, 1);
  int dir = open_beneath(root, sub);
  if (dir < 0) {
    return core::invalid(fmt::format("directory: \"{}\" is not a folder inside {} ({})", config.directory, config.fs,
                                     dir == -EXDEV ? "it leaves the filesystem" : std::strerror(-dir)));
  }
  struct stat st {};
  if (::fstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    ::close(dir);
    return core::invalid(fmt::format("directory: \"{}\" in {} is not a folder", config.directory, config.fs));
  }
  auto mount = std::make_shared<Mount>(Mount{config, std::make_shared<Fd>(dir)});
  return Handler([mount](Exchange& ex) { mount->serve(ex); });
}

}  // namespace wirt::http

#include "wasi/filesystem_streams.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "wasi/filesystem_types.h"

namespace wirt::wasi {

namespace {
StreamFailure failure_of(int err, const char* what) {
  return {fmt::format("file {} failed: {}", what, std::strerror(err)), fs_error_code(err)};
}
}  // namespace

FileInputStream::~FileInputStream() { ::close(fd_); }

core::Result<StreamRead> FileInputStream::read(size_t max) {
  StreamRead out;
  if (failure_) {
    out.closed = true;
    return out;
  }
  out.data.resize(std::min(max, kFileChunk));
  ssize_t got;
  do got = ::pread(fd_, out.data.data(), out.data.size(), off_t(offset_));
  while (got < 0 && errno == EINTR);
  if (got < 0) failure_ = failure_of(errno, "read");
  if (got <= 0) {
    out.data.clear();
    out.closed = true;
    return out;
  }
  out.data.resize(size_t(got));
  offset_ += uint64_t(got);
  return out;
}

FileOutputStream::~FileOutputStream() { ::close(fd_); }

uint64_t FileOutputStream::check_write() const { return kFileChunk; }

core::Result<bool> FileOutputStream::write(std::string_view bytes) {
  if (failure_) return false;
  // A guest is asked to stay within check-write (kFileChunk); a longer write is still carried
  // out, one bounded system call per chunk.
  while (!bytes.empty()) {
    size_t n = std::min(bytes.size(), kFileChunk);
    ssize_t put = append_ ? ::write(fd_, bytes.data(), n) : ::pwrite(fd_, bytes.data(), n, off_t(offset_));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) {
      failure_ = failure_of(errno, "write");
      return false;
    }
    offset_ += uint64_t(put);
    bytes.remove_prefix(size_t(put));
  }
  return true;
}

}  // namespace wirt::wasi

// The wasi:io streams of wasi:filesystem descriptors (read-via-stream, write-via-stream,
// append-via-stream): host streams (streams.h) over a duplicate of the file's descriptor, so
// the guest may drop the descriptor first. Each read or write is one bounded system call
// (kFileChunk, filesystem_types.h): a stream of a 1 GiB file is read in chunks, never whole.
// An I/O error ends the stream with last-operation-failed, whose filesystem-error-code is the
// errno's error-code (StreamFailure).
//
// Owned by CallState::inputs / ::outputs; not thread-safe (one fiber).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "wasi/streams.h"

namespace wirt::wasi {

class FileInputStream final : public HostInputStream {
 public:
  // Takes ownership of `fd`; reads from `offset` on.
  FileInputStream(int fd, uint64_t offset) : fd_(fd), offset_(offset) {}
  ~FileInputStream() override;
  core::Result<StreamRead> read(size_t max) override;
  bool ready() const override { return true; }  // a local file never waits for data
  core::Status wait() override { return {}; }
  std::optional<StreamFailure> failure() const override { return failure_; }

 private:
  int fd_;
  uint64_t offset_;
  std::optional<StreamFailure> failure_;
};

class FileOutputStream final : public HostOutputStream {
 public:
  // Takes ownership of `fd`; writes at `offset` on, or at the end of the file (`append`).
  FileOutputStream(int fd, uint64_t offset, bool append) : fd_(fd), offset_(offset), append_(append) {}
  ~FileOutputStream() override;
  uint64_t check_write() const override;
  core::Result<bool> write(std::string_view bytes) override;
  std::optional<StreamFailure> failure() const override { return failure_; }

 private:
  int fd_;
  uint64_t offset_;
  bool append_;
  std::optional<StreamFailure> failure_;
};

}  // namespace wirt::wasi

// Host-side wasi:io streams beyond stdio (WASI 0.2 wasi:io/streams `input-stream` /
// `output-stream`), e.g. the body streams of wasi:http. A subsystem that lends a stream to the
// guest puts it into CallState::inputs / ::outputs under a fresh rep; wasi:io/streams (preview2.cc)
// dispatches every method on reps other than stdio's 0–2 to it.
//
// Blocking model (DESIGN §1.5: waits suspend the fiber, never the worker thread): `read` may
// suspend the fiber until data arrives, `write` until the bytes are flushed. The non-blocking
// WIT methods (`read`, `write`) are served by the same calls: to a single-threaded guest a
// suspended fiber is indistinguishable from a slow host, and every wait still ends at the call's
// deadline. `ready`/`wait` back the stream's pollable (`subscribe`).
//
// Ownership: CallState owns the stream objects; they live until the guest drops the stream or
// the call's state is discarded. Thread-safety: none (one fiber).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wirt::wasi {

// What a read returns: bytes, or `closed` (WIT stream-error.closed: the end of the stream).
struct StreamRead {
  std::string data;
  bool closed = false;
};

// Why a stream ended with an error rather than closed (WIT stream-error.last-operation-failed):
// the error's debug text, and for file streams the wasi:filesystem error-code name that
// filesystem-error-code reports for it ("" for none).
struct StreamFailure {
  std::string message;
  std::string fs_code;
};

class HostInputStream {
 public:
  virtual ~HostInputStream() = default;
  // After read() reported closed: the failure that ended it, if it was one.
  virtual std::optional<StreamFailure> failure() const { return std::nullopt; }
  // Up to `max` bytes (max > 0): at least one byte, or closed. May suspend the fiber. An error
  // traps the guest (the call fails with it).
  [[nodiscard]] virtual core::Result<StreamRead> read(size_t max) = 0;
  // True when read() would not suspend (data buffered, or the end seen).
  virtual bool ready() const = 0;
  // Suspends until ready().
  [[nodiscard]] virtual core::Status wait() = 0;
};

class HostOutputStream {
 public:
  virtual ~HostOutputStream() = default;
  // After write() reported closed: the failure that ended it, if it was one.
  virtual std::optional<StreamFailure> failure() const { return std::nullopt; }
  // How many bytes the next write may carry (WIT check-write; a closed stream reports it
  // through write's result).
  virtual uint64_t check_write() const = 0;
  // Writes `bytes` (suspending until flushed). Returns false when the stream is closed (WIT
  // stream-error.closed: e.g. the client went away). An error traps the guest.
  [[nodiscard]] virtual core::Result<bool> write(std::string_view bytes) = 0;
};

}  // namespace wirt::wasi

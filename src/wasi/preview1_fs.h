// preview1 files and directories (wasi_snapshot_preview1.witx, "fd_*" and "path_*"): the
// guest's descriptor table and the functions over it. Mounts become the preopens 3, 4, … in
// their order; every path is resolved beneath a preopen by the kernel (wasi/mounts.h).
//
// File I/O on local disks runs inline on the calling worker: each call is one bounded system
// call (reads and writes are at most the guest's buffers, directory listings one directory).
//
// Rights (witx "rights") are recorded and reported, and fd_fdstat_set_rights only drops them,
// but, as in wasmtime, they do not gate operations: the preopen and the mount's read_only do.
// A read_only mount refuses every write (opening for writing, creating, truncating, removing,
// renaming, linking, changing times or sizes) with `rofs`.
//
// The table belongs to one call (GuestEnv::files); not thread-safe, used on the calling fiber.
#pragma once

#include <dirent.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "wasi/mounts.h"
#include "wasi/preview1_abi.h"

namespace wirt::wasi {

struct OpenFile {
  int host = -1;  // owned; -1 for stdio (fds 0–2 are the GuestEnv's streams)
  bool stdio = false, dir = false, read_only = false;
  std::string preopen;  // the guest name of a preopened directory ("" otherwise)
  uint16_t fdflags = 0;
  uint64_t rights = ~uint64_t{0}, inheriting = ~uint64_t{0};
  // fd_readdir's open listing of a directory and its position (the cookie of the next entry),
  // so consecutive calls continue instead of re-reading from the start.
  std::shared_ptr<DIR> listing;
  uint64_t listing_pos = 0;
  // wasi:filesystem descriptor-flags (filesystem_types.h): read 1, write 2, …, mutate-directory 32.
  uint8_t p2flags = 0;
  // A wasi:filesystem directory-entry-stream (its `listing`), not a descriptor: it shares the
  // table so that it counts against kMaxFds.
  bool entry_stream = false;
};

class FdTable {
 public:
  // Descriptors open at once (stdio and preopens included); past it path_open fails with
  // `nfile`, so a guest cannot exhaust the host's descriptors.
  static constexpr size_t kMaxFds = 1024;

  // Stdio plus each mount's folder opened as a preopen; NotFound/PermissionDenied naming the
  // folder when it cannot be opened.
  static core::Result<std::unique_ptr<FdTable>> open(const std::vector<HostMount>& mounts);
  ~FdTable();
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;

  OpenFile* get(uint32_t fd);
  // The lowest free number, or nullopt at kMaxFds.
  std::optional<uint32_t> add(OpenFile f);
  void close(uint32_t fd);
  // fd_renumber: `from` replaces `to` (closing it).
  void renumber(uint32_t from, uint32_t to);

 private:
  FdTable() = default;
  std::vector<std::optional<OpenFile>> fds_;
};

namespace p1 {
// The fd_*/path_* functions, including stdio's fd_close, fd_seek, fd_fdstat_get and the
// prestat pair; preview1.cc defines the rest and sends fd_read/fd_write on fds ≥ 3 here.
const std::vector<Def>& fs_defs();
uint32_t file_read(wasm::Caller& c, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out);
uint32_t file_write(wasm::Caller& c, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out);
}  // namespace p1

}  // namespace wirt::wasi

// The files of the on-disk module cache (tier-2 objects, tier-1 objects, module summaries) and
// how one is trusted before it is used.
//
// Seal: every cache file ends with a trailer — an 8-byte magic (the file's format), the
// 64-character key it was built for, the sha256 (hex) of the bytes before it. A truncated file,
// a file of another format or key, or one whose bytes changed is rejected.
//
// Verified record: hashing the whole file at every load cost the 13 MB JS component's boot
// ~70 ms for its 100 MB tier-1 object (plus reading it). Once a full check of a file above
// 1 MiB has passed, verify_cache_file writes `<path>.verified`: the file's device, inode,
// size, mtime and ctime (nanoseconds) with its magic, key and checksum. A later check that
// finds the same identity and the same trailer accepts the file without reading it. Why that
// still rejects what the checksum rejects:
//   - any change to the file's bytes (write, truncate, a store through a shared mapping)
//     updates its ctime, which no process can set back (utimensat sets mtime/atime only; ctime
//     becomes "now"); Linux 6.13+ timestamps are fine-grained once observed, so a change right
//     after the check is not hidden in the same clock tick either;
//   - a file replaced by another (rename over it, delete and re-create, a copied cache folder)
//     has another inode or device: the full check runs again;
//   - the record is compared byte for byte with the one the file's current identity gives, so
//     a damaged or foreign record only costs a full check;
//   - the record is written only when the file's identity did not change while it was hashed.
// Not covered, as before: changes below the file system that leave metadata alone (media bit
// rot: the storage stack's own checksums) and a writer of the cache folder that means harm (it
// could always write a file with a valid trailer: the checksum is not an authentication).
//
// Files are read in 1 MiB chunks (never whole into memory). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wirt::wasm {

// Appends the trailer to the file at `path` (magic: 8 bytes, key: 64 characters).
[[nodiscard]] bool seal_cache_file(const std::string& path, std::string_view magic, std::string_view key);

// True when `path` holds a sealed file for `magic` and `key`, by its verified record or else by
// a full check (which then records it). False with *why empty when the file is absent, else
// with the reason it must not be used.
[[nodiscard]] bool verify_cache_file(const std::string& path, std::string_view magic, std::string_view key,
                                     std::string* why);

// A full check that also hands back the bytes before the trailer (`payload` may be null): for
// small files that are parsed anyway (module summaries); never uses or writes a record.
[[nodiscard]] bool read_cache_file(const std::string& path, std::string_view magic, std::string_view key,
                                   std::string* payload, std::string* why);

// Removes a rejected cache file and its verified record.
void remove_cache_file(const std::string& path);

// How many times this process hashed a whole cache file in verify_cache_file (for tests: a
// recorded file is accepted without one).
uint64_t cache_file_full_checks();

}  // namespace wirt::wasm

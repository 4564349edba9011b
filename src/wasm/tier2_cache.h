// Tier 2: the module's C compiled by the system C compiler into a shared object kept in an
// on-disk cache (DESIGN §2.1 "Tier 2").
//
// Cache: $WIRT_CACHE_DIR (default $XDG_CACHE_HOME/wirt or ~/.cache/wirt), one file per key,
// <key>.so. The key hashes the module's sha256, the engine and ABI versions, the compiler's
// version line, the flags and the bounds-check mode. Each file ends with a trailer (magic,
// key, sha256 of the ELF bytes) that is verified before dlopen (cache_file.h): corrupt or
// foreign files are deleted and rebuilt, never loaded. The compiler runs as a subprocess with a CPU-time and an
// address-space limit, and a wall-clock timeout. Files are written to a temporary name and
// renamed, so concurrent builders never expose partial files.
//
// Thread-safe (no shared mutable state besides the one-time compiler probe).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "wasm/cache_file.h"  // the trailer every cache file ends with
#include "wasm/code.h"

namespace wirt::wasm {

struct CompilerInfo {
  bool available = false;
  std::string command;  // $WIRT_CC or "cc"
  std::string version;  // first line of `cc --version`
};
// Probed once per process; logs one warning when no compiler is found.
const CompilerInfo& system_compiler();

std::string cache_dir();
std::string tier2_key(std::string_view module_sha256, bool guard_pages);
std::string tier2_path(std::string_view key);

// Loads the sealed shared object at `path` (a tier-1 or tier-2 cache file sealed with `magic`
// for `key`) with dlopen as code of `tier`. NotFound "not cached" when it is absent; a file
// that fails its checksum, dlopen or the ABI handshake — or, with `embeds_key`, whose embedded
// key differs — is logged, removed and reported as NotFound "cache entry rejected".
core::Result<std::shared_ptr<const Code>> load_cached_object(const std::string& path, std::string_view magic,
                                                             std::string_view key, int tier, bool embeds_key,
                                                             bool guard_pages, std::string_view name);
// Loads a cached tier-2 object. NotFound when absent; a file that fails verification is removed
// and reported as NotFound too (with a warning), so the caller rebuilds it.
core::Result<std::shared_ptr<const Code>> load_tier2(std::string_view key, bool guard_pages,
                                                     std::string_view name);

// Compiles `c_source` into the cache under `key`, then loads it. Canceled (nothing left in
// the cache directory) once cancel_tier2_builds() was called.
core::Result<std::shared_ptr<const Code>> build_tier2(const std::string& c_source,
                                                      std::string_view key, bool guard_pages,
                                                      std::string_view name);

// Big modules are compiled as several translation units (c_split.h) by up to tier2_jobs()
// compilers at once, then linked into one object. tier2_jobs(): $WIRT_TIER2_JOBS, else the
// core count, bounded so that every running compiler's address-space limit fits in half of
// the available memory. tier2_unit_bytes(): $WIRT_TIER2_UNIT_KB (tests force small units with
// it), else no split up to 2 MB of C, else about a third of a compiler's share, 512 KB..8 MB.
int tier2_jobs();
size_t tier2_unit_bytes(size_t c_size, int jobs);

// Kills a compiler that is running and makes every later build_tier2 fail with Canceled.
// For process exit only: irreversible. Async-signal-safe is not promised; any thread.
void cancel_tier2_builds();

}  // namespace wirt::wasm

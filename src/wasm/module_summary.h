// What a Module needs of its validated binary besides code — exports, imports, whether code can
// write memory, whether it has a start function — kept in the on-disk cache beside the compiled
// objects, so that a module whose tier-2 (or tier-1) object is cached boots without parsing,
// validating and analysing the binary again (the 13 MB JS component spent 1.5 s of a 2 s cached
// boot in wabt's reader and wirt's checks).
//
// A summary is written only for a binary that passed translate() (validation included), under
// the module's tier-2 key (module sha256, engine, ABI and runtime versions, compiler, flags), as
// <key>.summary with the cache trailer (tier2_cache.h): a file for another key, truncated or
// altered is ignored (and the module translated as usual). kSummaryFormat changes with the
// fields. Thread-safe: files are written under a temporary name and renamed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasm/types.h"

namespace wirt::wasm {

struct ModuleSummary {
  std::vector<ExportInfo> exports;
  std::vector<ImportInfo> imports;
  bool code_may_write_memory = true;
  bool code_may_write_other_state = true;
  bool has_start = true;
};

// The summary stored under `key`, or nullopt (absent, foreign, corrupt or of an older format).
std::optional<ModuleSummary> load_summary(std::string_view key);
// Stores `s` under `key` unless a valid one is there; failures are ignored (a cache).
void store_summary(std::string_view key, const ModuleSummary& s);

// The text form (exposed for tests): one JSON document.
std::string encode_summary(const ModuleSummary& s);
std::optional<ModuleSummary> decode_summary(std::string_view text);

}  // namespace wirt::wasm

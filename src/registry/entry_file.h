// One entry file (reference-platform §1.2): YAML/JSON text -> entries.
//
// Handles the two layouts (batch `entries:` and single top-level name/kind), flat data
// extraction and the explicit `data:` override, file-level meta merging and file://
// interpolation. Unlike the reference, which logs a warning and drops a bad file, every problem
// is returned as an error so boot can refuse to start with a message naming file, line and entry;
// all problems of a file are collected, not just the first.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "registry/entry.h"

namespace wirt::registry {

struct EntryFileContext {
  std::filesystem::path root;  // app root (containment of file://)
  std::filesystem::path src;   // source root (base of file:///x)
  std::filesystem::path file;  // the file itself (its folder is the base of file://x)
  std::string display;         // the file as messages print it, relative to the app root
};

struct EntryFileResult {
  // False for a file without a top-level `namespace` key: it is not an entry file and is
  // skipped silently (package.json, tsconfig.json, CI configs … may live beside entries).
  bool is_entry_file = false;
  std::vector<Entry> entries;       // the entries that validated, in definition order
  std::vector<core::Error> errors;  // each message starts "<display>[:line[:col]]: "
};

EntryFileResult parse_entry_file(std::string_view text, const EntryFileContext& ctx);

// "<pos>: entry <id>: <message>", the id part left out when `id` is empty. Shared with the
// loader and later boot stages so that every registry message has the same shape.
std::string format_entry_message(const SourcePos& pos, std::string_view id, std::string_view message);

}  // namespace wirt::registry

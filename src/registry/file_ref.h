// `file://` references in entry files (reference-platform §1.2): a string value
// "file://path" is replaced by the text of that file before entries are extracted.
//
// Why a containment check: entry files are often copied from elsewhere, and a reference such
// as `file://../../etc/passwd` (or a symlink inside the app pointing out of it) would otherwise
// pull arbitrary host files into entry data that Lua code and HTTP handlers can read back.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wirt::registry {

struct FileRefRoots {
  std::filesystem::path yaml_dir;  // folder of the YAML file: base of `file://rel`
  std::filesystem::path src;       // source root: base of `file:///abs`
  std::filesystem::path root;      // app root: nothing may resolve outside it (or outside src)
};

// True when `s` is a file:// reference.
bool is_file_ref(std::string_view s);

// The path a reference resolves to, symlinks followed (weakly_canonical), checked to stay
// inside roots.root (or roots.src, for a lock file whose src lives beside the app).
// Errors (Invalid): "file:// path is empty: <ref>", "file:// path escapes the app folder: <ref>".
core::Result<std::filesystem::path> resolve_file_ref(std::string_view ref, const FileRefRoots& roots);

// resolve_file_ref + read the whole file. A missing file is NotFound
// "file:// file not found: <ref> (<path>)".
core::Result<std::string> read_file_ref(std::string_view ref, const FileRefRoots& roots);

// True when `path` equals `dir` or lies below it, comparing normalized components
// (a textual prefix test would accept /app-other for /app).
bool path_within(const std::filesystem::path& path, const std::filesystem::path& dir);

}  // namespace wirt::registry

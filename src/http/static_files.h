// http.static: files from an fs.directory entry under a URL prefix (reference-platform
// §http.static; static_options index, spa, cache).
//
// Confinement is the kernel's: every file is opened beneath the directory's fd with openat2
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (DESIGN §1.5b), so neither `..` (also when
// percent-encoded: paths arrive decoded) nor a symlink can leave the directory.
// Conditional and partial requests: ETag / If-None-Match → 304 (RFC 9110 §13.1.2), a single
// byte range → 206, an unsatisfiable one → 416 with `Content-Range: bytes */size`
// (RFC 9110 §14); several ranges are answered with the whole file (allowed by §14.2).
//
// Ownership: the handler owns the directory fd (closed when the last copy goes).
// Thread-safety: the handler is immutable; concurrent requests are fine.
#pragma once

#include <filesystem>

#include "core/result.h"
#include "http/config.h"
#include "http/router.h"

namespace wirt::http {

// Opens `root` (the fs root joined with `directory`) and returns the mount's handler; Invalid
// naming the `directory` field when it is not a readable folder inside the fs.
core::Result<Handler> static_handler(const StaticConfig& config, const std::filesystem::path& fs_root);

// The media type for a file name, by extension ("application/octet-stream" when unknown).
std::string_view content_type_for(std::string_view name);

}  // namespace wirt::http

// wirt::wasi::FieldMap — the contents of a wasi:http `fields` resource (headers and trailers;
// wasi:http/types.wit `resource fields`) with its rules:
//   * names are HTTP tokens (RFC 9110 §5.1), values have no CR, LF, NUL or other control bytes
//     except HTAB (RFC 9110 §5.5): else header-error.invalid-syntax;
//   * hop-by-hop and routing fields a guest may not set (`connection`, `keep-alive`,
//     `proxy-authenticate`, `proxy-authorization`, `proxy-connection`, `transfer-encoding`,
//     `upgrade`, `host`, `http2-settings` — the list wasmtime-wasi-http forbids): forbidden;
//   * headers of an incoming request or an outgoing response (and trailers the host gives) are
//     immutable: every mutation fails with header-error.immutable (checked first);
//   * names compare case-insensitively; entries() keeps insertion order and the names as given.
// Bounds (a guest must not grow host memory without limit): at most kMaxEntries entries and
// kMaxBytes bytes of names plus values per map; past them a mutation fails with an error (the
// host function then traps the guest, naming the limit).
//
// Plain data; not thread-safe (one fiber).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace wirt::wasi {

// WIT `header-error` cases.
enum class HeaderError { InvalidSyntax, Forbidden, Immutable };
const char* header_error_name(HeaderError e);  // "invalid-syntax", "forbidden", "immutable"

class FieldMap {
 public:
  static constexpr size_t kMaxEntries = 1024;
  static constexpr size_t kMaxBytes = 1 << 20;

  using Entries = std::vector<std::pair<std::string, std::string>>;

  FieldMap() = default;
  // Trusted entries (from the server: an incoming request's headers), not validated.
  static FieldMap trusted(Entries entries, bool immutable);

  // Validation of one guest-given name / value; nullopt when acceptable.
  static std::optional<HeaderError> check_name(std::string_view name);
  static std::optional<HeaderError> check_value(std::string_view value);

  bool immutable() const { return immutable_; }

  // WIT fields.get / has / entries.
  std::vector<std::string> get(std::string_view name) const;
  bool has(std::string_view name) const;
  const Entries& entries() const { return entries_; }
  // WIT fields.set / append / delete. The outer Result fails only when a bound is exceeded.
  [[nodiscard]] core::Result<std::optional<HeaderError>> set(std::string_view name,
                                                             const std::vector<std::string>& values);
  [[nodiscard]] core::Result<std::optional<HeaderError>> append(std::string_view name, std::string_view value);
  [[nodiscard]] std::optional<HeaderError> remove(std::string_view name);
  // WIT fields.from-list: all entries validated first; the map is mutable.
  [[nodiscard]] static core::Result<std::pair<FieldMap, std::optional<HeaderError>>> from_list(const Entries& list);
  // WIT fields.clone: a mutable copy.
  FieldMap clone() const;

 private:
  // Whether a map of that many entries and bytes is within the bounds.
  [[nodiscard]] static core::Status fits(size_t entries, size_t bytes);
  Entries entries_;
  size_t bytes_ = 0;
  bool immutable_ = false;
};

// Case-insensitive ASCII comparison of field names.
bool same_field_name(std::string_view a, std::string_view b);

}  // namespace wirt::wasi

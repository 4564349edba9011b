#include "wasi/http_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace wirt::wasi {

namespace {

// RFC 9110 §5.6.2 tchar.
bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
}

constexpr std::array<std::string_view, 9> kForbidden = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "transfer-encoding", "upgrade", "host", "http2-settings"};

}  // namespace

const char* header_error_name(HeaderError e) {
  switch (e) {
    case HeaderError::InvalidSyntax: return "invalid-syntax";
    case HeaderError::Forbidden: return "forbidden";
    case HeaderError::Immutable: return "immutable";
  }
  return "invalid-syntax";
}

bool same_field_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

FieldMap FieldMap::trusted(Entries entries, bool immutable) {
  FieldMap m;
  for (const auto& [k, v] : entries) m.bytes_ += k.size() + v.size();
  m.entries_ = std::move(entries);
  m.immutable_ = immutable;
  return m;
}

std::optional<HeaderError> FieldMap::check_name(std::string_view name) {
  if (name.empty()) return HeaderError::InvalidSyntax;
  for (unsigned char c : name) {
    if (!is_tchar(c)) return HeaderError::InvalidSyntax;
  }
  for (auto f : kForbidden) {
    if (same_field_name(name, f)) return HeaderError::Forbidden;
  }
  return std::nullopt;
}

// RFC 9110 §5.5: field-vchar / obs-text, with SP and HTAB inside; no CR, LF, NUL or DEL.
std::optional<HeaderError> FieldMap::check_value(std::string_view value) {
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return HeaderError::InvalidSyntax;
  }
  return std::nullopt;
}

std::vector<std::string> FieldMap::get(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries_) {
    if (same_field_name(k, name)) out.push_back(v);
  }
  return out;
}

bool FieldMap::has(std::string_view name) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const auto& e) { return same_field_name(e.first, name); });
}

core::Status FieldMap::fits(size_t entries, size_t bytes) {
  if (entries > kMaxEntries) return core::invalid(fmt::format("wasi:http fields: more than {} entries", kMaxEntries));
  if (bytes > kMaxBytes)
    return core::invalid(fmt::format("wasi:http fields: more than {} bytes of names and values", kMaxBytes));
  return {};
}

core::Result<std::optional<HeaderError>> FieldMap::set(std::string_view name, const std::vector<std::string>& values) {
  if (immutable_) return std::optional(HeaderError::Immutable);
  if (auto e = check_name(name)) return e;
  size_t bytes = 0;
  for (const auto& v : values) {
    if (auto e = check_value(v)) return e;
    bytes += name.size() + v.size();
  }
  // The bound holds for the map after the replacement; on failure nothing changes.
  size_t old_entries = 0, old_bytes = 0;
  for (const auto& [k, v] : entries_) {
    if (same_field_name(k, name)) old_entries++, old_bytes += k.size() + v.size();
  }
  WIRT_TRY(fits(entries_.size() - old_entries + values.size(), bytes_ - old_bytes + bytes));
  (void)remove(name);
  for (const auto& v : values) entries_.emplace_back(std::string(name), v);
  bytes_ += bytes;
  return std::optional<HeaderError>();
}

core::Result<std::optional<HeaderError>> FieldMap::append(std::string_view name, std::string_view value) {
  if (immutable_) return std::optional(HeaderError::Immutable);
  if (auto e = check_name(name)) return e;
  if (auto e = check_value(value)) return e;
  WIRT_TRY(fits(entries_.size() + 1, bytes_ + name.size() + value.size()));
  entries_.emplace_back(std::string(name), std::string(value));
  bytes_ += name.size() + value.size();
  return std::optional<HeaderError>();
}

std::optional<HeaderError> FieldMap::remove(std::string_view name) {
  if (immutable_) return HeaderError::Immutable;
  if (auto e = check_name(name)) return e;
  std::erase_if(entries_, [&](const auto& e) {
    if (!same_field_name(e.first, name)) return false;
    bytes_ -= e.first.size() + e.second.size();
    return true;
  });
  return std::nullopt;
}

core::Result<std::pair<FieldMap, std::optional<HeaderError>>> FieldMap::from_list(const Entries& list) {
  FieldMap m;
  for (const auto& [k, v] : list) {
    auto e = m.append(k, v);
    if (!e) return std::move(e).error();
    if (*e) return std::pair(FieldMap(), *e);
  }
  return std::pair(std::move(m), std::optional<HeaderError>());
}

FieldMap FieldMap::clone() const {
  FieldMap m = *this;
  m.immutable_ = false;
  return m;
}

}  // namespace wirt::wasi

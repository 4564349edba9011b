// Small helpers for header field values (RFC 9110 §5): case-insensitive names and
// comma-separated lists. Pure functions.
#pragma once

#include <cctype>
#include <string_view>

namespace wirt::http {

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// True when `pred` holds for an element of a comma-separated list (RFC 9110 §5.6.1), each
// element trimmed of surrounding spaces.
template <typename Pred>
bool any_list_element(std::string_view value, Pred pred) {
  size_t i = 0;
  while (i < value.size()) {
    size_t j = value.find(',', i);
    if (j == std::string_view::npos) j = value.size();
    std::string_view t = value.substr(i, j - i);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (pred(t)) return true;
    i = j + 1;
  }
  return false;
}

}  // namespace wirt::http

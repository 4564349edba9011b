#include "cluster/subjects.h"

#include <fmt/format.h>

namespace wirt::cluster {

namespace {

bool needs_escape(unsigned char c) { return c == '.' || c == '*' || c == '>' || c == '~' || c <= 0x20 || c == 0x7F; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower case is not produced by escape_token, so it is refused (one id, one subject)
}

}  // namespace

std::string escape_token(std::string_view id) {
  std::string out;
  out.reserve(id.size());
  for (char ch : id) {
    auto c = static_cast<unsigned char>(ch);
    if (needs_escape(c)) out += fmt::format("~{:02X}", c);
    else out += ch;
  }
  return out;
}

core::Result<std::string> unescape_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    char ch = token[i];
    if (ch != '~') {
      if (needs_escape(static_cast<unsigned char>(ch))) {
        return core::invalid(fmt::format("subject token \"{}\": unescaped byte 0x{:02X} at {}", token,
                                         static_cast<unsigned char>(ch), i));
      }
      out += ch;
      continue;
    }
    int hi = i + 2 < token.size() ? hex_digit(token[i + 1]) : -1;
    int lo = i + 2 < token.size() ? hex_digit(token[i + 2]) : -1;
    if (hi < 0 || lo < 0) return core::invalid(fmt::format("subject token \"{}\": bad escape at {}", token, i));
    auto c = static_cast<unsigned char>(hi * 16 + lo);
    if (!needs_escape(c)) {
      return core::invalid(fmt::format("subject token \"{}\": ~{:02X} escapes a byte that is never escaped", token, c));
    }
    out += static_cast<char>(c);
    i += 2;
  }
  return out;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace wirt::cluster

#include "core/duration.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace wirt::core {

Result<Nanos> parse_duration(std::string_view text) {
  auto bad = [&] { return invalid(fmt::format("invalid duration \"{}\"", text)); };
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Nanos(0);
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    // Digits with an optional fraction, parsed by hand (strtold is locale-bound and slow).
    size_t i = 0;
    long double value = 0, scale_frac = 1;
    bool digits = false, dot = false;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c >= '0' && c <= '9') {
        digits = true;
        if (dot) {
          scale_frac /= 10;
          value += (c - '0') * scale_frac;
        } else {
          value = value * 10 + (c - '0');
        }
      } else if (c == '.' && !dot) {
        dot = true;
      } else {
        break;
      }
    }
    if (!digits) return bad();
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '.') ++j;
    std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    long double scale;
    if (unit == "ns") scale = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else if (unit == "m") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else return bad();
    total += value * scale;
  }
  if (total > 9.2e18L) return bad();
  auto ns = static_cast<int64_t>(std::llround(static_cast<double>(total)));
  return Nanos(neg ? -ns : ns);
}

std::string format_duration(Nanos d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  auto trim = [](std::string s) {
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  };
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + trim(fmt::format("{:.3f}", u / 1e3)) + "\xC2\xB5s";
  if (u < 1000000000) return sign + trim(fmt::format("{:.6f}", u / 1e6)) + "ms";
  uint64_t h = u / 3600000000000ULL;
  u %= 3600000000000ULL;
  uint64_t m = u / 60000000000ULL;
  u %= 60000000000ULL;
  std::string out = sign;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  out += trim(fmt::format("{:.9f}", u / 1e9)) + "s";
  return out;
}

}  // namespace wirt::core

#include "spec_support.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

namespace wirt::wasm::testing {

namespace {

std::vector<std::string> data_lines(const char* name) {
  std::vector<std::string> out;
  std::ifstream f(std::string(WIRT_SOURCE_DIR) + "/tests/wasm/" + name);
  for (std::string line; std::getline(f, line);)
    if (!line.empty() && line[0] != '#') out.push_back(line);
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c != '\t') {
      cur += c;
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// The built-in rewrite (spec-rewrites.txt header): `table.get|set|size|grow|fill` followed by
// something other than a table index (`$name` or a number) gets ` 0`.
void add_table_indices(std::string* line) {
  static const char* const kOps[] = {"table.get", "table.set", "table.size", "table.grow", "table.fill"};
  for (const char* op : kOps) {
    std::string_view o(op);
    for (size_t pos = line->find(o); pos != std::string::npos; pos = line->find(o, pos + o.size())) {
      size_t end = pos + o.size();
      bool word_end = end == line->size() || !(std::isalnum(static_cast<unsigned char>((*line)[end])) ||
                                               (*line)[end] == '.' || (*line)[end] == '_');
      if (!word_end) continue;
      size_t next = line->find_first_not_of(" \t", end);
      bool has_index = next != std::string::npos &&
                       ((*line)[next] == '$' || std::isdigit(static_cast<unsigned char>((*line)[next])));
      if (!has_index) line->insert(end, " 0");
    }
  }
}

struct ReasonClass {
  std::string prefix;
  std::regex pattern;
  std::string source;
};

const std::vector<ReasonClass>& reason_classes() {
  static const std::vector<ReasonClass> classes = [] {
    std::vector<ReasonClass> out;
    for (const auto& line : data_lines("spec-reasons.txt")) {
      auto f = split_tabs(line);
      if (f.size() != 2) continue;
      out.push_back({f[0], std::regex(f[1], std::regex::ECMAScript), f[1]});
    }
    return out;
  }();
  return classes;
}

}  // namespace

std::string rewrite_for_wabt(std::string_view file, std::string text, std::string* applied, int* removed_assertions) {
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  for (auto& l : lines) {
    std::string before = l;
    add_table_indices(&l);
    if (l != before) *applied += "table index added; ";
  }
  for (const auto& line : data_lines("spec-rewrites.txt")) {
    auto f = split_tabs(line);
    if (f.size() < 3 && !(f.size() == 2 && f[1] == ";;")) continue;
    size_t colon = f[0].rfind(':');
    if (f[0].substr(0, colon) != file) continue;
    size_t n = std::stoul(f[0].substr(colon + 1));
    if (size_t dash = f[0].find('-', colon); dash != std::string::npos && f[1] == ";;") {
      // A line range commented out (format: file:A-B <TAB> ;; <TAB> reason).
      size_t last = std::stoul(f[0].substr(dash + 1));
      for (size_t i = n; i <= last && i <= lines.size(); i++) {
        if (lines[i - 1].rfind("(assert_", 0) == 0) ++*removed_assertions;
        lines[i - 1] = ";;" + lines[i - 1];
      }
      *applied += "lines " + std::to_string(n) + "-" + std::to_string(last) + " commented out; ";
      continue;
    }
    size_t at = n >= 1 && n <= lines.size() ? lines[n - 1].find(f[1]) : std::string::npos;
    if (at == std::string::npos) {
      *applied += "rewrite of line " + std::to_string(n) + " not applied (text not found); ";
      continue;
    }
    lines[n - 1].replace(at, f[1].size(), f[2]);
    *applied += "line " + std::to_string(n) + " rewritten; ";
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool reason_matches(std::string_view expected, std::string_view message, std::string* why) {
  bool known = false;
  std::string msg(message);
  for (const auto& c : reason_classes()) {
    if (expected.substr(0, c.prefix.size()) != c.prefix) continue;
    // "alignment" must not swallow "alignment must not be larger…": prefixes match whole words.
    if (expected.size() > c.prefix.size() && expected[c.prefix.size()] != ' ') continue;
    known = true;
    if (std::regex_search(msg, c.pattern)) return true;
  }
  *why = known ? "rejected for another reason: \"" + msg + "\", expected \"" + std::string(expected) + "\""
               : "no reason class for \"" + std::string(expected) + "\" in tests/wasm/spec-reasons.txt (message: " +
                     msg + ")";
  return false;
}

}  // namespace wirt::wasm::testing

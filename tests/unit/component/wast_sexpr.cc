#include "wast_sexpr.h"

#include <cctype>

namespace wirt::component::testing {

namespace {

class Reader {
 public:
  explicit Reader(std::string_view t) : t_(t) {}

  core::Result<std::vector<SNode>> all() {
    std::vector<SNode> out;
    while (true) {
      WIRT_TRY(skip());
      if (pos_ >= t_.size()) return out;
      auto n = node();
      if (!n) return std::move(n).error();
      out.push_back(std::move(*n));
    }
  }

 private:
  core::Error fail(const std::string& what) { return core::invalid("line " + std::to_string(line_) + ": " + what); }

  // Whitespace and comments.
  core::Status skip() {
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == '\n') {
        line_++;
        pos_++;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        pos_++;
      } else if (t_.substr(pos_, 2) == ";;") {
        while (pos_ < t_.size() && t_[pos_] != '\n') pos_++;
      } else if (t_.substr(pos_, 2) == "(;") {
        int depth = 0;
        do {
          if (pos_ >= t_.size()) return fail("unterminated block comment");
          if (t_.substr(pos_, 2) == "(;") {
            depth++;
            pos_ += 2;
          } else if (t_.substr(pos_, 2) == ";)") {
            depth--;
            pos_ += 2;
          } else {
            if (t_[pos_] == '\n') line_++;
            pos_++;
          }
        } while (depth > 0);
      } else {
        return core::ok_status();
      }
    }
    return core::ok_status();
  }

  core::Result<SNode> node() {
    SNode n;
    n.begin = pos_;
    n.line = line_;
    char c = t_[pos_];
    if (c == '(') {
      n.list = true;
      pos_++;
      while (true) {
        WIRT_TRY(skip());
        if (pos_ >= t_.size()) return fail("unbalanced '(' opened on line " + std::to_string(n.line));
        if (t_[pos_] == ')') {
          pos_++;
          break;
        }
        auto item = node();
        if (!item) return std::move(item).error();
        n.items.push_back(std::move(*item));
      }
    } else if (c == ')') {
      return fail("unexpected ')'");
    } else if (c == '"') {
      n.string = true;
      pos_++;
      while (true) {
        if (pos_ >= t_.size()) return fail("unterminated string");
        char s = t_[pos_++];
        if (s == '"') break;
        if (s == '\n') line_++;
        if (s != '\\') {
          n.atom += s;
          continue;
        }
        if (pos_ >= t_.size()) return fail("unterminated string");
        char e = t_[pos_++];
        switch (e) {
          case 'n': n.atom += '\n'; break;
          case 't': n.atom += '\t'; break;
          case 'r': n.atom += '\r'; break;
          case '\\': n.atom += '\\'; break;
          case '\'': n.atom += '\''; break;
          case '"': n.atom += '"'; break;
          case 'u': {
            size_t close = t_.find('}', pos_);
            if (pos_ >= t_.size() || t_[pos_] != '{' || close == std::string_view::npos) return fail("bad \\u escape");
            uint32_t cp = static_cast<uint32_t>(std::stoul(std::string(t_.substr(pos_ + 1, close - pos_ - 1)), nullptr, 16));
            pos_ = close + 1;
            append_utf8(&n.atom, cp);
            break;
          }
          default: {
            if (pos_ >= t_.size() || !std::isxdigit(static_cast<unsigned char>(e)) ||
                !std::isxdigit(static_cast<unsigned char>(t_[pos_])))
              return fail("bad string escape");
            n.atom += static_cast<char>(std::stoi(std::string{e, t_[pos_]}, nullptr, 16));
            pos_++;
          }
        }
      }
    } else {
      while (pos_ < t_.size() && !std::isspace(static_cast<unsigned char>(t_[pos_])) && t_[pos_] != '(' &&
             t_[pos_] != ')' && t_[pos_] != '"' && t_.substr(pos_, 2) != ";;")
        n.atom += t_[pos_++];
    }
    n.end = pos_;
    return n;
  }

  static void append_utf8(std::string* s, uint32_t cp) {
    if (cp < 0x80) {
      *s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *s += static_cast<char>(0xC0 | (cp >> 6));
      *s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *s += static_cast<char>(0xE0 | (cp >> 12));
      *s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *s += static_cast<char>(0xF0 | (cp >> 18));
      *s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view t_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

core::Result<std::vector<SNode>> read_sexprs(std::string_view text) { return Reader(text).all(); }

}  // namespace wirt::component::testing

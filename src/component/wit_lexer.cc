#include "component/wit_lexer.h"

#include <fmt/format.h>

namespace wirt::component {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

class Lexer {
 public:
  Lexer(std::string_view s, LexOptions o) : src_(s), opts_(o) {}

  core::Result<std::vector<Token>> run() {
    std::vector<Token> out;
    for (;;) {
      auto st = skip_trivia();
      if (!st) return std::move(st).error();
      Token t;
      t.line = line_;
      t.col = col_;
      t.begin = pos_;
      if (pos_ >= src_.size()) {
        t.kind = Tok::End;
        t.end = pos_;
        out.push_back(std::move(t));
        return out;
      }
      char c = src_[pos_];
      if (c == '%' || is_alpha(c) || (opts_.allow_underscore && c == '_' && pos_ + 1 < src_.size() &&
                                      (is_alnum(src_[pos_ + 1]) || src_[pos_ + 1] == '_'))) {
        if (c == '%') {
          t.escaped = true;
          advance();
          if (pos_ >= src_.size() || !is_alpha(src_[pos_])) return error(t, "'%' must be followed by an identifier");
        }
        size_t start = pos_;
        read_word();
        // kebab-case: words joined by single '-' (WIT.md "Identifiers"); `->` is not part of it.
        while (pos_ + 1 < src_.size() && src_[pos_] == '-' && is_word_start(src_[pos_ + 1])) {
          advance();
          read_word();
        }
        t.kind = Tok::Ident;
        t.text = std::string(src_.substr(start, pos_ - start));
      } else if (is_digit(c)) {
        size_t start = pos_;
        while (pos_ < src_.size() && is_digit(src_[pos_])) advance();
        t.kind = Tok::Integer;
        t.text = std::string(src_.substr(start, pos_ - start));
      } else {
        advance();
        switch (c) {
          case ':': t.kind = Tok::Colon; break;
          case ';': t.kind = Tok::Semi; break;
          case ',': t.kind = Tok::Comma; break;
          case '.': t.kind = Tok::Dot; break;
          case '/': t.kind = Tok::Slash; break;
          case '@': t.kind = Tok::At; break;
          case '{': t.kind = Tok::LBrace; break;
          case '}': t.kind = Tok::RBrace; break;
          case '(': t.kind = Tok::LParen; break;
          case ')': t.kind = Tok::RParen; break;
          case '<': t.kind = Tok::Lt; break;
          case '>': t.kind = Tok::Gt; break;
          case '=': t.kind = Tok::Eq; break;
          case '*': t.kind = Tok::Star; break;
          case '+': t.kind = Tok::Plus; break;
          case '_': t.kind = Tok::Underscore; break;
          case '-':
            if (pos_ < src_.size() && src_[pos_] == '>') {
              advance();
              t.kind = Tok::Arrow;
            } else {
              t.kind = Tok::Minus;
            }
            break;
          default: {
            unsigned char u = static_cast<unsigned char>(c);
            if (u >= 0x80) return error(t, "unexpected non-ASCII character");
            return error(t, fmt::format("unexpected character '{}'", c));
          }
        }
        t.text = std::string(src_.substr(t.begin, pos_ - t.begin));
      }
      t.end = pos_;
      out.push_back(std::move(t));
    }
  }

 private:
  bool is_word_start(char c) const { return is_alnum(c) || (opts_.allow_underscore && c == '_'); }

  void read_word() {
    while (pos_ < src_.size() && (is_alnum(src_[pos_]) || (opts_.allow_underscore && src_[pos_] == '_'))) advance();
  }

  void advance() {
    if (src_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(src_[pos_]) & 0xC0) != 0x80) {
      ++col_;  // count code points, not continuation bytes
    }
    ++pos_;
  }

  core::Status skip_trivia() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else if (c == '/' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '/') {
        while (pos_ < src_.size() && src_[pos_] != '\n') advance();
      } else if (c == '/' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '*') {
        Token at;
        at.line = line_;
        at.col = col_;
        advance();
        advance();
        int depth = 1;  // block comments nest (WIT.md "Comments")
        while (depth > 0) {
          if (pos_ >= src_.size()) return error(at, "unterminated block comment");
          if (src_[pos_] == '/' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '*') {
            advance();
            advance();
            ++depth;
          } else if (src_[pos_] == '*' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '/') {
            advance();
            advance();
            --depth;
          } else {
            advance();
          }
        }
      } else {
        break;
      }
    }
    return {};
  }

  core::Error error(const Token& at, std::string_view msg) const {
    return core::invalid(fmt::format("{}:{}: {}", at.line, at.col, msg));
  }

  std::string_view src_;
  LexOptions opts_;
  size_t pos_ = 0;
  uint32_t line_ = 1, col_ = 1;
};

}  // namespace

std::string describe_token(const Token& t) {
  switch (t.kind) {
    case Tok::Ident: return fmt::format("identifier '{}'", t.text);
    case Tok::Integer: return fmt::format("number {}", t.text);
    case Tok::End: return "end of input";
    default: return fmt::format("'{}'", t.text);
  }
}

core::Result<std::vector<Token>> tokenize(std::string_view text, LexOptions opts) {
  return Lexer(text, opts).run();
}

}  // namespace wirt::component

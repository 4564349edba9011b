// wirt::component — the WIT tokenizer (component-model design/mvp/WIT.md "Lexical structure").
//
// Produces the whole token list up front; each token keeps its byte range and 1-based
// line:column so the parser can report positions and tell whether two tokens touch (used to
// read semver versions such as `0.2.0-rc-2023-11-10` as one unit).
// Comments (`//`, nested `/* */`, doc comments) and whitespace are skipped.
// Identifiers are kebab-case words (`tag-count`); a leading `%` escapes a keyword (`%record`)
// and is not part of the name. Keywords are not distinguished here: the parser compares the
// text of non-escaped identifiers.
//
// Thread-safety: a plain function over its input; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wirt::component {

enum class Tok : uint8_t {
  Ident,    // text = the name (without `%`); `escaped` set when it had a `%`
  Integer,  // text = the digits
  Colon, Semi, Comma, Dot, Slash, At, LBrace, RBrace, LParen, RParen, Lt, Gt, Eq, Star,
  Arrow,     // ->
  Minus,     // -
  Plus,      // +
  Underscore,  // _
  End,
};

struct Token {
  Tok kind = Tok::End;
  std::string text;
  bool escaped = false;
  uint32_t line = 1, col = 1;
  size_t begin = 0, end = 0;  // byte range in the source
};

struct LexOptions {
  // Accept `_` inside identifiers (core-module export names such as `add_i32` in `wit:` texts).
  bool allow_underscore = false;
};

// Human-readable token description for messages: "identifier 'foo'", "';'", "end of input".
std::string describe_token(const Token& t);

// Tokenizes `text`. Errors (kind Invalid) read "line:col: message".
core::Result<std::vector<Token>> tokenize(std::string_view text, LexOptions opts = {});

}  // namespace wirt::component

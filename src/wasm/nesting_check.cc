#include "wasm/nesting_check.h"

#include <wabt/cast.h>
#include <wabt/ir.h>

#include <fmt/format.h>

#include <cctype>
#include <utility>
#include <vector>

namespace wirt::wasm {
namespace {

core::Error too_deep(std::string_view name) {
  return core::invalid(fmt::format("{}: blocks nested deeper than {} levels, which wirt does not accept",
                                   name, kMaxBlockNesting));
}

bool is_block_keyword(std::string_view t) {
  return t == "block" || t == "loop" || t == "if" || t == "try";
}

// The lists directly inside one instruction (none for plain instructions).
template <typename F>
void for_each_child_list(wabt::Expr& e, F&& f) {
  switch (e.type()) {
    case wabt::ExprType::Block: f(wabt::cast<wabt::BlockExpr>(&e)->block.exprs); break;
    case wabt::ExprType::Loop: f(wabt::cast<wabt::LoopExpr>(&e)->block.exprs); break;
    case wabt::ExprType::If: {
      auto* i = wabt::cast<wabt::IfExpr>(&e);
      f(i->true_.exprs);
      f(i->false_);
      break;
    }
    case wabt::ExprType::Try: {
      auto* t = wabt::cast<wabt::TryExpr>(&e);
      f(t->block.exprs);
      for (auto& c : t->catches) f(c.exprs);
      break;
    }
    default: break;
  }
}

// Empties `list` without recursion: nested lists are moved to a work list before their
// owner is destroyed, so every destructor that runs sees empty children.
void dismantle(wabt::ExprList& list) {
  std::vector<wabt::ExprList> work;
  work.push_back(std::move(list));
  while (!work.empty()) {
    wabt::ExprList cur = std::move(work.back());
    work.pop_back();
    while (!cur.empty()) {
      std::unique_ptr<wabt::Expr> e = cur.extract_front();
      for_each_child_list(*e, [&](wabt::ExprList& child) {
        if (!child.empty()) work.push_back(std::move(child));
      });
    }
  }
}

}  // namespace

core::Status check_wat_nesting(std::string_view t, std::string_view name) {
  int parens = 0, blocks = 0;
  bool after_paren = false;
  size_t i = 0, n = t.size();
  while (i < n) {
    char c = t[i];
    if (c == '(' && i + 1 < n && t[i + 1] == ';') {  // block comment; they nest
      int depth = 0;
      while (i < n) {
        if (t[i] == '(' && i + 1 < n && t[i + 1] == ';') {
          ++depth;
          i += 2;
        } else if (t[i] == ';' && i + 1 < n && t[i + 1] == ')') {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
      continue;
    }
    if (c == ';' && i + 1 < n && t[i + 1] == ';') {  // line comment
      while (i < n && t[i] != '\n') ++i;
      continue;
    }
    if (c == '"') {
      for (++i; i < n && t[i] != '"'; ++i)
        if (t[i] == '\\') ++i;
      ++i;
      after_paren = false;
      continue;
    }
    if (c == '(') {
      if (++parens + blocks > kMaxBlockNesting) return too_deep(name);
      after_paren = true;
      ++i;
      continue;
    }
    if (c == ')') {
      --parens;
      after_paren = false;
      ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < n && !std::isspace(static_cast<unsigned char>(t[i])) && t[i] != '(' && t[i] != ')' &&
           t[i] != '"' && t[i] != ';')
      ++i;
    if (i == start) {  // a lone ';'
      ++i;
      continue;
    }
    std::string_view token = t.substr(start, i - start);
    // A folded `(block ...)` is counted by its parenthesis; an unfolded one until its `end`.
    if (!after_paren && is_block_keyword(token)) {
      if (parens + ++blocks > kMaxBlockNesting) return too_deep(name);
    } else if (token == "end" && blocks > 0) {
      --blocks;
    }
    after_paren = false;
  }
  return core::ok_status();
}

core::Status check_ir_nesting(wabt::Module& module, std::string_view name) {
  struct Frame {
    wabt::ExprList* list;
    int depth;
  };
  std::vector<Frame> work;
  bool deep = false;
  for (wabt::Func* f : module.funcs) {
    work.clear();
    work.push_back({&f->exprs, 0});
    while (!work.empty() && !deep) {
      Frame fr = work.back();
      work.pop_back();
      for (wabt::Expr& e : *fr.list) {
        for_each_child_list(e, [&](wabt::ExprList& child) {
          if (fr.depth + 1 > kMaxBlockNesting) deep = true;
          else work.push_back({&child, fr.depth + 1});
        });
        if (deep) break;
      }
    }
    if (deep) break;
  }
  if (!deep) return core::ok_status();
  for (wabt::Func* f : module.funcs) dismantle(f->exprs);
  return too_deep(name);
}

}  // namespace wirt::wasm

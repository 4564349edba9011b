#include "wasm/validate_extra.h"

#include <wabt/cast.h>

#include <string>

namespace wirt::wasm {

namespace {

void error(wabt::Errors* errors, const wabt::Location& loc, std::string message) {
  errors->emplace_back(wabt::ErrorLevel::Error, loc, std::move(message));
}

// Every call_indirect in `exprs` (nested blocks included) must go through a funcref table.
bool check_calls(const wabt::Module& m, const wabt::ExprList& exprs, wabt::Errors* errors) {
  bool ok = true;
  for (const wabt::Expr& e : exprs) {
    switch (e.type()) {
      case wabt::ExprType::CallIndirect: {
        const auto& call = *wabt::cast<wabt::CallIndirectExpr>(&e);
        const wabt::Table* table = m.GetTable(call.table);
        if (table && table->elem_type != wabt::Type::FuncRef) {
          error(errors, e.loc, "type mismatch: call_indirect through a table whose elements are not funcref");
          ok = false;
        }
        break;
      }
      case wabt::ExprType::Block:
        ok = check_calls(m, wabt::cast<wabt::BlockExpr>(&e)->block.exprs, errors) && ok;
        break;
      case wabt::ExprType::Loop:
        ok = check_calls(m, wabt::cast<wabt::LoopExpr>(&e)->block.exprs, errors) && ok;
        break;
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        ok = check_calls(m, i->true_.exprs, errors) && ok;
        ok = check_calls(m, i->false_, errors) && ok;
        break;
      }
      default:
        break;
    }
  }
  return ok;
}

}  // namespace

bool validate_beyond_wabt(const wabt::Module& module, wabt::Errors* errors) {
  bool ok = true;
  for (const wabt::DataSegment* d : module.data_segments) {
    if (d->kind == wabt::SegmentKind::Active && d->offset.empty()) {
      error(errors, wabt::Location(), "type mismatch: empty offset expression of an active data segment");
      ok = false;
    }
  }
  for (const wabt::ElemSegment* s : module.elem_segments) {
    if (s->kind == wabt::SegmentKind::Active && s->offset.empty()) {
      error(errors, wabt::Location(), "type mismatch: empty offset expression of an active element segment");
      ok = false;
    }
  }
  for (const wabt::Func* f : module.funcs) ok = check_calls(module, f->exprs, errors) && ok;
  return ok;
}

}  // namespace wirt::wasm

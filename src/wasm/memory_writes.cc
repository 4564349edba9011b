#include "wasm/memory_writes.h"

#include <wabt/cast.h>
#include <wabt/ir.h>

namespace wirt::wasm {
namespace {

// WebAssembly 2.0 §4.4.7 memory instructions that store, plus threads and SIMD stores.
bool writes_memory(wabt::ExprType t) {
  switch (t) {
    case wabt::ExprType::Store:
    case wabt::ExprType::AtomicStore:
    case wabt::ExprType::AtomicRmw:
    case wabt::ExprType::AtomicRmwCmpxchg:
    case wabt::ExprType::SimdStoreLane:
    case wabt::ExprType::MemoryFill:
    case wabt::ExprType::MemoryCopy:
    case wabt::ExprType::MemoryInit:
    case wabt::ExprType::Try:
      return true;
    default:
      return false;
  }
}

// Instructions that change instance state other than memory bytes (§4.4.4–4.4.7).
bool writes_other_state(wabt::ExprType t) {
  switch (t) {
    case wabt::ExprType::MemoryGrow:
    case wabt::ExprType::GlobalSet:
    case wabt::ExprType::TableSet:
    case wabt::ExprType::TableGrow:
    case wabt::ExprType::TableFill:
    case wabt::ExprType::TableCopy:
    case wabt::ExprType::TableInit:
    case wabt::ExprType::ElemDrop:
    case wabt::ExprType::DataDrop:
    case wabt::ExprType::Try:
      return true;
    default:
      return false;
  }
}

template <typename Pred>
bool any_expr(const wabt::ExprList& exprs, Pred pred) {
  for (const wabt::Expr& e : exprs) {
    if (pred(e.type())) return true;
    switch (e.type()) {
      case wabt::ExprType::Block:
        if (any_expr(wabt::cast<wabt::BlockExpr>(&e)->block.exprs, pred)) return true;
        break;
      case wabt::ExprType::Loop:
        if (any_expr(wabt::cast<wabt::LoopExpr>(&e)->block.exprs, pred)) return true;
        break;
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        if (any_expr(i->true_.exprs, pred) || any_expr(i->false_, pred)) return true;
        break;
      }
      default:
        break;
    }
  }
  return false;
}

template <typename Pred>
bool any_function(const wabt::Module& module, Pred pred) {
  for (const wabt::Func* f : module.funcs) {
    if (any_expr(f->exprs, pred)) return true;
  }
  return false;
}

}  // namespace

bool code_may_write_memory(const wabt::Module& module) {
  for (const wabt::Import* imp : module.imports) {
    if (imp->kind() == wabt::ExternalKind::Func || imp->kind() == wabt::ExternalKind::Memory) return true;
  }
  return any_function(module, writes_memory);
}

bool code_may_write_other_state(const wabt::Module& module) {
  for (const wabt::Import* imp : module.imports) {
    if (imp->kind() != wabt::ExternalKind::Memory) return true;
  }
  return any_function(module, writes_other_state);
}

}  // namespace wirt::wasm

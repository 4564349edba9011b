#include "wasm/memory_writes.h"

#include <wabt/cast.h>
#include <wabt/ir.h>

namespace wirt::wasm {
namespace {

bool writes(const wabt::ExprList& exprs) {
  for (const wabt::Expr& e : exprs) {
    switch (e.type()) {
      // WebAssembly 2.0 §4.4.7 memory instructions that store, plus threads and SIMD stores.
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
      case wabt::ExprType::Block:
        if (writes(wabt::cast<wabt::BlockExpr>(&e)->block.exprs)) return true;
        break;
      case wabt::ExprType::Loop:
        if (writes(wabt::cast<wabt::LoopExpr>(&e)->block.exprs)) return true;
        break;
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        if (writes(i->true_.exprs) || writes(i->false_)) return true;
        break;
      }
      default:
        break;
    }
  }
  return false;
}

}  // namespace

bool code_may_write_memory(const wabt::Module& module) {
  for (const wabt::Import* imp : module.imports) {
    if (imp->kind() == wabt::ExternalKind::Func || imp->kind() == wabt::ExternalKind::Memory) return true;
  }
  for (const wabt::Func* f : module.funcs) {
    if (writes(f->exprs)) return true;
  }
  return false;
}

}  // namespace wirt::wasm

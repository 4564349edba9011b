#include "wasm/feature_check.h"

#include <wabt/cast.h>
#include <wabt/ir.h>

namespace wirt::wasm {
namespace {

constexpr const char* kSimd = "SIMD (v128)";
constexpr const char* kThreads = "threads (shared memory / atomics)";
constexpr const char* kTailCalls = "tail calls";
constexpr const char* kExceptions = "exception handling";

bool is_v128(wabt::Type t) { return t == wabt::Type::V128; }

bool sig_uses_v128(const wabt::FuncSignature& sig) {
  for (auto t : sig.param_types)
    if (is_v128(t)) return true;
  for (auto t : sig.result_types)
    if (is_v128(t)) return true;
  return false;
}

const char* check_exprs(const wabt::ExprList& exprs);

const char* check_block(const wabt::Block& block) {
  if (sig_uses_v128(block.decl.sig)) return kSimd;
  return check_exprs(block.exprs);
}

const char* check_expr(const wabt::Expr& e) {
  using wabt::ExprType;
  switch (e.type()) {
    case ExprType::AtomicLoad:
    case ExprType::AtomicRmw:
    case ExprType::AtomicRmwCmpxchg:
    case ExprType::AtomicStore:
    case ExprType::AtomicNotify:
    case ExprType::AtomicFence:
    case ExprType::AtomicWait:
      return kThreads;
    case ExprType::ReturnCall:
    case ExprType::ReturnCallIndirect:
      return kTailCalls;
    case ExprType::Try:
    case ExprType::Throw:
    case ExprType::Rethrow:
      return kExceptions;
    case ExprType::CallRef:
      return "typed function references";
    case ExprType::SimdLaneOp:
    case ExprType::SimdLoadLane:
    case ExprType::SimdStoreLane:
    case ExprType::SimdShuffleOp:
    case ExprType::LoadSplat:
    case ExprType::LoadZero:
    case ExprType::Ternary:
      return kSimd;
    case ExprType::Const:
      return is_v128(wabt::cast<wabt::ConstExpr>(&e)->const_.type()) ? kSimd : nullptr;
    case ExprType::Unary:
      return wabt::cast<wabt::UnaryExpr>(&e)->opcode.GetPrefix() == 0xfd ? kSimd : nullptr;
    case ExprType::Binary:
      return wabt::cast<wabt::BinaryExpr>(&e)->opcode.GetPrefix() == 0xfd ? kSimd : nullptr;
    case ExprType::Compare:
      return wabt::cast<wabt::CompareExpr>(&e)->opcode.GetPrefix() == 0xfd ? kSimd : nullptr;
    case ExprType::Convert:
      return wabt::cast<wabt::ConvertExpr>(&e)->opcode.GetPrefix() == 0xfd ? kSimd : nullptr;
    case ExprType::Load:
      return wabt::cast<wabt::LoadExpr>(&e)->opcode.GetPrefix() == 0xfd ? kSimd : nullptr;
    case ExprType::Store:
      return wabt::cast<wabt::StoreExpr>(&e)->opcode.GetPrefix() == 0xfd ? kSimd : nullptr;
    case ExprType::Select: {
      for (auto t : wabt::cast<wabt::SelectExpr>(&e)->result_type)
        if (is_v128(t)) return kSimd;
      return nullptr;
    }
    case ExprType::Block:
      return check_block(wabt::cast<wabt::BlockExpr>(&e)->block);
    case ExprType::Loop:
      return check_block(wabt::cast<wabt::LoopExpr>(&e)->block);
    case ExprType::If: {
      auto* ife = wabt::cast<wabt::IfExpr>(&e);
      if (auto* r = check_block(ife->true_)) return r;
      return check_exprs(ife->false_);
    }
    default:
      return nullptr;
  }
}

const char* check_exprs(const wabt::ExprList& exprs) {
  for (const auto& e : exprs)
    if (auto* r = check_expr(e)) return r;
  return nullptr;
}

}  // namespace

std::string find_unsupported_feature(const wabt::Module& m) {
  size_t memories = m.memories.size();  // includes imported memories
  for (const auto* mem : m.memories) {
    if (mem->page_limits.is_shared) return kThreads;
    if (mem->page_limits.is_64) return "memory64";
  }
  if (memories > 1) return "multi-memory";
  if (!m.tags.empty()) return kExceptions;
  for (const auto* t : m.types) {
    if (auto* ft = wabt::dyn_cast<wabt::FuncType>(t)) {
      if (sig_uses_v128(ft->sig)) return kSimd;
    } else {
      return "GC types";
    }
  }
  for (const auto* g : m.globals) {
    if (is_v128(g->type)) return kSimd;
    if (auto* r = check_exprs(g->init_expr)) return r;
  }
  for (const auto* f : m.funcs) {
    if (sig_uses_v128(f->decl.sig)) return kSimd;
    for (const auto& decl : f->local_types.decls())
      if (is_v128(decl.first)) return kSimd;
    if (auto* r = check_exprs(f->exprs)) return r;
  }
  return {};
}

}  // namespace wirt::wasm

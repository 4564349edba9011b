#include "wasm/types.h"

namespace wirt::wasm {

std::string_view val_type_name(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "?";
}

std::string to_string(const FuncType& t) {
  std::string s = "(";
  for (size_t i = 0; i < t.params.size(); i++) {
    if (i) s += ", ";
    s += val_type_name(t.params[i]);
  }
  s += ") -> (";
  for (size_t i = 0; i < t.results.size(); i++) {
    if (i) s += ", ";
    s += val_type_name(t.results[i]);
  }
  return s + ")";
}

std::string_view extern_kind_name(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "?";
}

}  // namespace wirt::wasm

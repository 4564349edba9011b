// `WIRT_TRY_LET(x, expr);` binds x (a reference) to the value of a core::Result, or returns its
// error from the enclosing function — for host functions that chain many fallible lookups.
#pragma once

#include "core/result.h"

#define WIRT_TRY_LET(var, expr)                                \
  auto var##_result_ = (expr);                                 \
  if (!var##_result_) return std::move(var##_result_).error(); \
  auto& var = *var##_result_

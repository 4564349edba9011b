// wirt::core::Result<T> — the one [[nodiscard]] result type for fallible functions.
//
// Holds either a T or an Error. Result<void> holds nothing or an Error.
// Usage:
//   Result<int> parse(...);
//   auto r = parse(...);
//   if (!r) return r.error();
//   use(*r);
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "core/error.h"

namespace wirt::core {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { assert(failed_); return error_; }
  Error&& error() && { assert(failed_); return std::move(error_); }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace wirt::core

// Propagates an error from an expression returning Result<...>.
#define WIRT_TRY(expr)                          \
  do {                                          \
    auto wirt_try_r_ = (expr);                  \
    if (!wirt_try_r_) return std::move(wirt_try_r_).error(); \
  } while (0)

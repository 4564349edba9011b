// wirt::core::Error — the one error type that crosses every boundary (Lua, WASM, CLI, JSON).
//
// Kinds and their string names follow the reference platform's `errors` module
// (reference-platform §3 "errors"): NotFound, AlreadyExists, Invalid, PermissionDenied,
// Unavailable, Internal, Canceled, Conflict, Timeout, RateLimited, and Unknown ("").
//
// Error is a plain value type: copyable, no shared state, safe to move between threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wirt::core {

class Value;

enum class ErrorKind {
  Unknown,  // "" in Lua
  NotFound,
  AlreadyExists,
  Invalid,
  PermissionDenied,
  Unavailable,
  Internal,
  Canceled,
  Conflict,
  Timeout,
  RateLimited,
};

// The reference's string for a kind ("" for Unknown).
std::string_view kind_name(ErrorKind kind);
// Parses a kind name; unknown names map to ErrorKind::Unknown.
ErrorKind kind_from_name(std::string_view name);

class Error {
 public:
  Error() = default;
  Error(ErrorKind kind, std::string message);

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // true/false when the producer said so, nullopt when it did not.
  std::optional<bool> retryable() const { return retryable_; }
  // Structured details (a Value), or nullptr when there are none.
  const Value* details() const { return details_.get(); }

  Error& with_retryable(bool r) { retryable_ = r; return *this; }
  Error& with_details(Value details);
  // Prefixes the message with context ("context: message"), keeping kind and details.
  Error& wrap(std::string_view context);

  // "message" (the reference's error.Error() text).
  const std::string& to_string() const { return message_; }

 private:
  ErrorKind kind_ = ErrorKind::Unknown;
  std::string message_;
  std::optional<bool> retryable_;
  std::shared_ptr<const Value> details_;  // immutable once set; shared on copy
};

// Shorthand constructors used everywhere.
inline Error not_found(std::string m) { return {ErrorKind::NotFound, std::move(m)}; }
inline Error invalid(std::string m) { return {ErrorKind::Invalid, std::move(m)}; }
inline Error internal(std::string m) { return {ErrorKind::Internal, std::move(m)}; }
inline Error permission_denied(std::string m) { return {ErrorKind::PermissionDenied, std::move(m)}; }
inline Error unavailable(std::string m) { return {ErrorKind::Unavailable, std::move(m)}; }
inline Error canceled(std::string m) { return {ErrorKind::Canceled, std::move(m)}; }
inline Error timeout(std::string m) { return {ErrorKind::Timeout, std::move(m)}; }

}  // namespace wirt::core

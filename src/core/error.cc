#include "core/error.h"

#include <array>

#include "core/value.h"

namespace wirt::core {

namespace {
constexpr std::array<std::pair<ErrorKind, std::string_view>, 11> kKindNames = {{
    {ErrorKind::Unknown, ""},
    {ErrorKind::NotFound, "NotFound"},
    {ErrorKind::AlreadyExists, "AlreadyExists"},
    {ErrorKind::Invalid, "Invalid"},
    {ErrorKind::PermissionDenied, "PermissionDenied"},
    {ErrorKind::Unavailable, "Unavailable"},
    {ErrorKind::Internal, "Internal"},
    {ErrorKind::Canceled, "Canceled"},
    {ErrorKind::Conflict, "Conflict"},
    {ErrorKind::Timeout, "Timeout"},
    {ErrorKind::RateLimited, "RateLimited"},
}};
}  // namespace

std::string_view kind_name(ErrorKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "";
}

ErrorKind kind_from_name(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return ErrorKind::Unknown;
}

Error::Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

Error& Error::with_details(Value details) {
  details_ = std::make_shared<const Value>(std::move(details));
  return *this;
}

Error& Error::wrap(std::string_view context) {
  message_ = std::string(context) + ": " + message_;
  return *this;
}

}  // namespace wirt::core

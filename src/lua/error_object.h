// Error objects in Lua and the `errors` global (reference-platform §3 "errors").
//
// An error object wraps a core::Error plus the Lua stack at creation. Methods: kind(),
// message(), retryable(), details(), stack(); tostring(err) and `..` give the message.
#pragma once

#include <string>

#include "core/error.h"
#include "lua/lua.h"

namespace wirt::lua {

inline constexpr const char* kErrorClass = "wirt.error";

struct ErrorObject {
  core::Error error;
  std::string stack;
};

// Pushes a new error object.
void push_error(lua_State* L, core::Error error);
// The error object at idx, or nullptr.
const ErrorObject* test_error(lua_State* L, int idx);
// Pushes `nil, err` and returns 2 (the reference's failure convention).
int push_nil_error(lua_State* L, core::Error error);
// Turns whatever a Lua function raised or returned as an error into a core::Error.
core::Error error_from_lua(lua_State* L, int idx);
// Raises err as a Lua error (throws; never returns).
[[noreturn]] void raise_error(lua_State* L, core::Error err);

// Registers the error class and sets the `errors` global.
void open_errors(lua_State* L);

}  // namespace wirt::lua

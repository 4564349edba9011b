// WIT result and variant values as host functions return them (the Lua view of
// component/canonical_abi.h): result = {ok = v} / {err = e} (a payload-less side is `true`),
// variant = {case = payload}. Shared by the wasi:http server and client sides.
#pragma once

#include <utility>

#include "core/value.h"

namespace wirt::wasi::wit {

inline core::Value ok(core::Value v = core::Value(true)) {
  core::Value r = core::Value::map();
  r.set("ok", std::move(v));
  return r;
}
inline core::Value err(core::Value v = core::Value(true)) {
  core::Value r = core::Value::map();
  r.set("err", std::move(v));
  return r;
}
inline core::Value variant(const char* name, core::Value payload) {
  core::Value r = core::Value::map();
  r.set(name, std::move(payload));
  return r;
}

}  // namespace wirt::wasi::wit

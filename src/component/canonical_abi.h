// wirt::component — the canonical ABI between core::Value and core WebAssembly values / linear
// memory (component-model design/mvp/CanonicalABI.md), with the Lua view of DESIGN §1.3.
//
// Flat core values travel as uint64_t: i32 zero-extended (an s32 of -1 is 0xFFFFFFFF), i64 as
// its two's-complement bits, f32 as its IEEE bits in the low 32 bits, f64 as its bits. Incoming
// flat values are masked to their core width, so a sign-extended i32 is also accepted.
//
// Directions (CanonicalABI.md "canon lift" / "canon lower"):
//   calling a guest export (the export is lifted):   lower_params → core call → lift_results
//   the guest calls a host import (it is lowered):   lift_params → host code → lower_results
// Parameters beyond MAX_FLAT_PARAMS (16) flat values travel in memory as a tuple (export: we
// allocate it with realloc and pass one i32; import: the guest passes the pointer). Results
// beyond MAX_FLAT_RESULTS (1) travel in memory (export: the guest returns an i32 pointer;
// import: the guest passes a trailing retptr argument that lower_results writes through).
//
// The Lua view (DESIGN §1.3), applied while lowering Values and lifting into Values:
//   bool ↔ boolean; integers: Int, or Float with an integral value, range-checked for the exact
//   width; lifted as Int (a u64 above 2^63−1 is an Invalid error). f32/f64 ↔ Float (Int accepted).
//   char: a one-code-point UTF-8 string or a code point integer; lifted as a string.
//   string: valid UTF-8 (String, or Bytes holding valid UTF-8).
//   list<u8>: a string (raw bytes, String or Bytes) or an array of integers; lifted as a String
//     when the bytes are valid UTF-8, else Bytes (both become a Lua string; JSON shows text).
//   list<T>: Array; an empty Map (`{}` from Lua) is the empty list; lifted as Array.
//   record: Map keyed by the field names as written (kebab-case kept); a missing field of option
//     type is none, any other missing field is an error; extra keys are ignored; lifted as a Map
//     in field order (none fields present as nil).
//   tuple ↔ Array of exactly the arity. option: nil = none, else the payload (lifted likewise).
//   result (nested or as a parameter): Map {ok=v} or {err=e} ("error" accepted for "err");
//     a payload-less side is `true` (a bare "ok"/"err" string is accepted too).
//   variant: Map {case=payload}, or the bare case name for a payload-less case; lifted as
//     {case=payload} / {case=true}. enum: case name (or 0-based case index); lifted as the name.
//   flags: set table {read=true}, array of names {"read","write"}, or an integer bit mask;
//     lifted as a set table holding only the set flags (true).
//   own/borrow: not passable across the Lua boundary (Invalid error), unless
//     CanonOptions::handles_as_ints (host code in C++ that manages handle tables itself).
// Errors from the caller's values are kind Invalid and start with the parameter path, Lua style
// (1-based indices): "users[2].id: value 300 out of range for u8". Errors caused by the guest
// (a pointer out of bounds or misaligned, a bad discriminant, invalid string data — traps in the
// spec) are kind Internal and start with "canonical ABI: ". On error, memory already allocated in
// the guest is not freed (instances are reset after each call).
//
// Thread-safety: stateless functions; the GuestMemory is used by the calling thread only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "component/guest_memory.h"
#include "component/types.h"
#include "core/result.h"
#include "core/value.h"

namespace wirt::component {

// CanonicalABI.md "Flattening".
inline constexpr size_t kMaxFlatParams = 16;
inline constexpr size_t kMaxFlatResults = 1;
// CanonicalABI.md "store_string_copy": MAX_STRING_BYTE_LENGTH.
inline constexpr uint32_t kMaxStringByteLength = (1u << 31) - 1;
// CanonicalABI.md "load_string_from_range": the latin1+utf16 tag bit.
inline constexpr uint32_t kUtf16Tag = 1u << 31;

// The `string-encoding` canonopt.
enum class StringEncoding : uint8_t { Utf8, Utf16, Latin1Utf16 };

struct CanonOptions {
  StringEncoding string_encoding = StringEncoding::Utf8;
  // Lift own/borrow as the raw i32 handle index (Int) and lower them from an Int. For host
  // implementations written in C++; never set for values that come from or go to Lua.
  bool handles_as_ints = false;
};

// flatten_functype's `context` (CanonicalABI.md "Flattening").
enum class AbiContext : uint8_t { Lift, Lower };

struct CoreSignature {
  std::vector<CoreType> params;
  std::vector<CoreType> results;
  bool params_in_memory = false;   // > 16 flat params: params is one i32 (pointer to the tuple)
  bool results_in_memory = false;  // > 1 flat result: Lift → results is one i32 pointer;
                                   //                   Lower → results empty, trailing i32 retptr param
  std::string to_string() const;   // "(i32, i32) -> (i32)"
};

// The core signature of a component function. Error (Invalid) when a parameter or result type
// cannot cross the ABI here (a resource itself, an unresolved or async type).
core::Result<CoreSignature> flatten_function(const FuncSig& sig, AbiContext context);

// ---- calling a guest export ----
// Lua/JSON arguments → flat core arguments (spilling to memory beyond 16 flat values).
core::Result<std::vector<uint64_t>> lower_params(const FuncSig& sig, const core::Array& args, GuestMemory& mem,
                                                 const CanonOptions& opts = {});
// Flat core results → one Value: nil for no result, the value for one result, an Array for
// named results. With > 1 flat result, `flat` holds the i32 pointer the export returned.
core::Result<core::Value> lift_results(const FuncSig& sig, std::span<const uint64_t> flat, GuestMemory& mem,
                                       const CanonOptions& opts = {});

// ---- the guest calls a host import ----
// Flat core arguments → Values, one per parameter (a trailing retptr argument is ignored).
core::Result<core::Array> lift_params(const FuncSig& sig, std::span<const uint64_t> flat, GuestMemory& mem,
                                      const CanonOptions& opts = {});
// The host's result (nil / the value / an Array for named results) → flat core results; with
// > 1 flat result they are stored through the retptr (the last of `flat_args`) and the returned
// vector is empty.
core::Result<std::vector<uint64_t>> lower_results(const FuncSig& sig, const core::Value& result,
                                                  std::span<const uint64_t> flat_args, GuestMemory& mem,
                                                  const CanonOptions& opts = {});

// ---- single values (CanonicalABI.md "lower_flat"/"lift_flat"/"store"/"load") ----
// `path` names the value in error messages ("users").
core::Result<std::vector<uint64_t>> lower_flat_value(const Type& t, const core::Value& v, GuestMemory& mem,
                                                     const CanonOptions& opts = {}, std::string_view path = "value");
core::Result<core::Value> lift_flat_value(const Type& t, std::span<const uint64_t> flat, GuestMemory& mem,
                                          const CanonOptions& opts = {}, std::string_view path = "value");
core::Status store_value(const Type& t, const core::Value& v, uint32_t ptr, GuestMemory& mem,
                         const CanonOptions& opts = {}, std::string_view path = "value");
core::Result<core::Value> load_value(const Type& t, uint32_t ptr, GuestMemory& mem, const CanonOptions& opts = {},
                                     std::string_view path = "value");

// ---- top-level result<T, E> (DESIGN §1.3: `value, nil` / `nil, err`, done by the caller) ----
// True when the function has exactly one result and its type is result<…>.
bool returns_result(const FuncSig& sig);
// Splits the lifted `{ok=v}` / `{err=e}` of such a function: ok → v (`true` when T is absent);
// err → an Error of kind Unknown whose message is E as text (see result_error) and whose
// details are E lifted. Anything else is returned unchanged.
core::Result<core::Value> split_result(const FuncSig& sig, core::Value lifted);
// The Error for a lifted E: message is E itself when a string, a record's string `message`
// field, else E as JSON ("error" when E is absent); details = E (unless absent).
core::Error result_error(const core::Value& err_payload, bool has_payload = true);

}  // namespace wirt::component

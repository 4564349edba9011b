// libFuzzer target: canonical-ABI lifting from arbitrary guest memory and flat values
// (src/component/abi_lift.cc, abi_strings.cc), the path every value a guest hands the host
// takes (CanonicalABI.md "lift_flat", "load"). Whatever the guest wrote, lifting must give a
// Value or a clean "canonical ABI: …" error — never read outside the memory (ASan) or crash.
//
// Input: [function][mode][8 bytes per flat value][guest memory…]. `function` picks one of the
// signatures below (every type kind, > 16 flat params, > 1 flat result, 33 flags), `mode` the
// string encoding and whether the flat values are an import's parameters (lift_params) or an
// export's results (lift_results). A value that lifts is then lowered into fresh memory and
// lifted again: it must come back the same (lower ∘ lift is the identity on what lift accepts).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../unit/component/fake_memory.h"
#include "component/canonical_abi.h"
#include "component/wit_parser.h"
#include "core/json.h"

namespace {

using namespace wirt::component;

constexpr const char* kWit = R"(
record point { x: s32, y: f64, label: string }
variant shape { circle(f32), square(point), empty }
enum color { red, green, blue }
flags perms { read, write, exec, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16,
              a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27, a28, a29, a30, a31, a32 }
strings: func(a: string, b: list<u8>, c: char) -> string;
records: func(p: point, s: shape) -> list<point>;
mixed: func(c: color, f: perms, o: option<string>) -> result<tuple<u8, s64, char>, string>;
nested: func(l: list<list<string>>, m: list<option<shape>>) -> tuple<bool, u16, s16, u32, f32, u64>;
many: func(a: s8, b: u8, c: s16, d: u16, e: s32, f: u32, g: s64, h: u64, i: f32, j: f64, k: string,
           l: bool, m: char, n: color, o: list<u8>, p: point) -> list<shape>;
results: func() -> result<_, list<tuple<string, perms>>>;
)";

const FunctionSet& functions() {
  static const FunctionSet fs = [] {
    auto r = parse_wit_functions(kWit);
    if (!r) __builtin_trap();  // the fixed signatures above must parse
    return std::move(*r);
  }();
  return fs;
}

std::string show(const wirt::core::Value& v) { return wirt::core::to_json(v); }

// Aborts with both values shown when a lowered value does not lift back the same.
void check_same(const std::string& first, const std::string& again) {
  if (first == again) return;
  std::fprintf(stderr, "round trip differs:\n  lifted  %s\n  again   %s\n", first.c_str(), again.c_str());
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto& fs = functions();
  const FuncSig& sig = fs.functions[data[0] % fs.functions.size()];
  CanonOptions opts;
  opts.string_encoding = static_cast<StringEncoding>((data[1] & 3) % 3);
  bool as_params = data[1] & 4;
  data += 2;
  size -= 2;

  auto core_sig = flatten_function(sig, as_params ? AbiContext::Lower : AbiContext::Lift);
  if (!core_sig) return 0;
  size_t nflat = as_params ? core_sig->params.size() : core_sig->results.size();
  std::vector<uint64_t> flat(nflat, 0);
  for (size_t i = 0; i < nflat && size >= 8; i++, data += 8, size -= 8) std::memcpy(&flat[i], data, 8);
  testing::FakeMemory mem(0);
  mem.mem.assign(data, data + size);

  if (as_params) {
    auto vals = lift_params(sig, flat, mem, opts);
    if (!vals) return 0;
    testing::FakeMemory mem2;
    auto lowered = lower_params(sig, *vals, mem2, opts);
    if (!lowered) {  // lift accepted what lower rejects
      std::fprintf(stderr, "lower failed: %s\n  lifted %s\n", lowered.error().message().c_str(),
                   show(wirt::core::Value(*vals)).c_str());
      __builtin_trap();
    }
    // An import whose results travel in memory also gets the trailing retptr (unused here).
    if (core_sig->results_in_memory) lowered->push_back(0);
    auto again = lift_params(sig, *lowered, mem2, opts);
    if (!again) {
    std::fprintf(stderr, "lifting the lowered value failed: %s\n", again.error().message().c_str());
    __builtin_trap();
  }
    check_same(show(wirt::core::Value(*vals)), show(wirt::core::Value(*again)));
    return 0;
  }
  auto v = lift_results(sig, flat, mem, opts);
  if (!v) return 0;
  testing::FakeMemory mem2;
  std::vector<uint64_t> args;
  if (core_sig->results_in_memory) {
    auto ret = mem2.realloc(0, 0, 8, 64);
    if (!ret) __builtin_trap();
    args.push_back(*ret);
  }
  auto lowered = lower_results(sig, *v, args, mem2, opts);
  if (!lowered) {
    std::fprintf(stderr, "lower failed: %s\n  lifted %s\n", lowered.error().message().c_str(), show(*v).c_str());
    __builtin_trap();
  }
  auto again = lift_results(sig, core_sig->results_in_memory ? std::span<const uint64_t>(args) : *lowered, mem2, opts);
  if (!again) {
    std::fprintf(stderr, "lifting the lowered value failed: %s\n", again.error().message().c_str());
    __builtin_trap();
  }
  check_same(show(*v), show(*again));
  return 0;
}

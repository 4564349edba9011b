#include "wasm/tier1_tcc.h"

#include <libtcc.h>

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <mutex>

#include "wasm/runtime.h"

namespace wirt::wasm {
namespace {

std::mutex g_tcc_mu;

// tcc's x86-64 code calls these libtcc1 routines for unsigned 64-bit <-> floating conversions
// (and memory helpers); libtcc1.a is not installed, so they are provided here.
extern "C" {
uint64_t wirt_tcc_fixunssfdi(float a) { return static_cast<uint64_t>(a); }
uint64_t wirt_tcc_fixunsdfdi(double a) { return static_cast<uint64_t>(a); }
uint64_t wirt_tcc_fixunsxfdi(long double a) { return static_cast<uint64_t>(a); }
float wirt_tcc_floatundisf(uint64_t a) { return static_cast<float>(a); }
double wirt_tcc_floatundidf(uint64_t a) { return static_cast<double>(a); }
long double wirt_tcc_floatundixf(uint64_t a) { return static_cast<long double>(a); }
}

struct Symbol {
  const char* name;
  const void* addr;
};

const Symbol kSymbols[] = {
    {"memcpy", reinterpret_cast<const void*>(&::memcpy)},
    {"memset", reinterpret_cast<const void*>(&::memset)},
    {"memmove", reinterpret_cast<const void*>(&::memmove)},
    {"sqrt", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::sqrt))},
    {"sqrtf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::sqrtf))},
    {"floor", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::floor))},
    {"floorf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::floorf))},
    {"ceil", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::ceil))},
    {"ceilf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::ceilf))},
    {"trunc", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::trunc))},
    {"truncf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::truncf))},
    {"nearbyint", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::nearbyint))},
    {"nearbyintf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::nearbyintf))},
    {"fabs", reinterpret_cast<const void*>(static_cast<double (*)(double)>(&::fabs))},
    {"fabsf", reinterpret_cast<const void*>(static_cast<float (*)(float)>(&::fabsf))},
    {"copysign", reinterpret_cast<const void*>(static_cast<double (*)(double, double)>(&::copysign))},
    {"copysignf", reinterpret_cast<const void*>(static_cast<float (*)(float, float)>(&::copysignf))},
    {"__fixunssfdi", reinterpret_cast<const void*>(&wirt_tcc_fixunssfdi)},
    {"__fixunsdfdi", reinterpret_cast<const void*>(&wirt_tcc_fixunsdfdi)},
    {"__fixunsxfdi", reinterpret_cast<const void*>(&wirt_tcc_fixunsxfdi)},
    {"__floatundisf", reinterpret_cast<const void*>(&wirt_tcc_floatundisf)},
    {"__floatundidf", reinterpret_cast<const void*>(&wirt_tcc_floatundidf)},
    {"__floatundixf", reinterpret_cast<const void*>(&wirt_tcc_floatundixf)},
};

void on_tcc_error(void* opaque, const char* msg) {
  auto* out = static_cast<std::string*>(opaque);
  if (out->size() < 2000) {
    if (!out->empty()) out->append("; ");
    out->append(msg);
  }
}

struct TccDeleter {
  void operator()(void* s) const {
    std::lock_guard lock(g_tcc_mu);
    tcc_delete(static_cast<TCCState*>(s));
  }
};

}  // namespace

core::Result<std::shared_ptr<const Code>> compile_tier1(const std::string& c_source,
                                                        bool guard_pages, std::string_view name) {
  std::unique_lock lock(g_tcc_mu);
  TCCState* s = tcc_new();
  if (!s) return core::internal("libtcc: cannot create a compiler state");
  std::string errors;
  tcc_set_error_func(s, &errors, on_tcc_error);
  tcc_set_options(s, "-nostdlib -nostdinc");
  tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
  auto fail = [&](std::string_view what) {
    tcc_delete(s);
    return core::internal(fmt::format("{}: tier-1 compiler (libtcc) failed to {}: {}", name, what,
                                      errors.empty() ? "no message" : errors));
  };
  if (tcc_compile_string(s, c_source.c_str()) != 0) return fail("compile the generated C");
  for (const auto& sym : kSymbols) tcc_add_symbol(s, sym.name, sym.addr);
  if (tcc_relocate(s, TCC_RELOCATE_AUTO) < 0) return fail("link the generated code");
  auto entry = reinterpret_cast<wirt_module_entry_fn>(tcc_get_symbol(s, WIRT_MODULE_ENTRY_NAME));
  if (!entry) return fail("find the module entry point");
  lock.unlock();
  auto code = std::make_shared<Code>();
  code->keepalive = std::shared_ptr<void>(s, TccDeleter{});
  code->desc = entry(rt::api());
  if (!code->desc) return core::internal(fmt::format("{}: module ABI version mismatch", name));
  code->tier = 1;
  code->guard_pages = guard_pages;
  return std::shared_ptr<const Code>(std::move(code));
}

}  // namespace wirt::wasm

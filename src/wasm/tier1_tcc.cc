#include "wasm/tier1_tcc.h"

#include <dlfcn.h>
#include <libtcc.h>

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <atomic>
#include <filesystem>
#include <mutex>

#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sha256.h"
#include "wasm/elf_stack.h"
#include "wasm/runtime.h"
#include "wasm/tier2_cache.h"

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

namespace {

// The cached form is a shared object (tcc's TCC_OUTPUT_DLL) loaded with dlopen: its code is
// mapped from the page cache and only its few data relocations are applied, where a cached
// relocatable object (format WIRTT101, .t1.o) had to be read whole into libtcc, copied again
// into executable memory and relocated (about a million relocations, 0.5 s of the JS
// component's 0.7 s boot).
constexpr std::string_view kTier1Magic = "WIRTT102";

// tcc's x86-64 code calls libtcc1 routines for unsigned 64-bit <-> floating conversions. The
// in-memory path binds them to the C++ functions above with tcc_add_symbol; a shared object
// cannot hold this process's addresses, so it carries its own, compiled by tcc from this text.
// Each one only uses the signed conversions tcc emits inline (using the unsigned one would call
// itself). Exact for every value a C cast defines: the halving with the low bit kept
// ("round to odd") makes the signed conversion round as the unsigned one would, and doubling
// is exact. At dlopen, libgcc_s's __fixuns*di (identical results) may be bound instead. The
// long double forms are left out: the generated C has no long double (were one needed, dlopen
// would fail on the undefined symbol and the module would be compiled in memory instead).
constexpr const char* kDllHelpers = R"(
typedef unsigned long long u64;
typedef long long i64;
#define TWO63 9223372036854775808.0
#define HIGH_BIT 0x8000000000000000ULL
u64 __fixunssfdi(float a) { return a < (float)TWO63 ? (u64)(i64)a : (u64)(i64)(a - (float)TWO63) ^ HIGH_BIT; }
u64 __fixunsdfdi(double a) { return a < TWO63 ? (u64)(i64)a : (u64)(i64)(a - TWO63) ^ HIGH_BIT; }
float __floatundisf(u64 a) {
  if ((i64)a >= 0) return (float)(i64)a;
  float h = (float)(i64)((a >> 1) | (a & 1));
  return h + h;
}
double __floatundidf(u64 a) {
  if ((i64)a >= 0) return (double)(i64)a;
  double h = (double)(i64)((a >> 1) | (a & 1));
  return h + h;
}
)";

// A fresh state producing `output_type` (in-memory code or a shared object). Called with
// g_tcc_mu held.
TCCState* new_state(std::string* errors, int output_type) {
  TCCState* s = tcc_new();
  if (!s) return nullptr;
  tcc_set_error_func(s, errors, on_tcc_error);
  tcc_set_options(s, "-nostdlib -nostdinc");
  tcc_set_output_type(s, output_type);
  return s;
}

// Links state `s` (which has the module's code) in memory and enters the module. Takes the
// lock and the state.
core::Result<std::shared_ptr<const Code>> link_state(std::unique_lock<std::mutex> lock, TCCState* s,
                                                     std::string& errors, bool guard_pages,
                                                     std::string_view name) {
  for (const auto& sym : kSymbols) tcc_add_symbol(s, sym.name, sym.addr);
  auto fail = [&](std::string_view what) {
    tcc_delete(s);
    return core::internal(fmt::format("{}: tier-1 compiler (libtcc) failed to {}: {}", name, what,
                                      errors.empty() ? "no message" : errors));
  };
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

std::string tier1_path(std::string_view key) { return fmt::format("{}/{}.t1.so", cache_dir(), key); }

}  // namespace

core::Result<std::shared_ptr<const Code>> compile_tier1(const std::string& c_source,
                                                        bool guard_pages, std::string_view name) {
  std::unique_lock lock(g_tcc_mu);
  std::string errors;
  TCCState* s = new_state(&errors, TCC_OUTPUT_MEMORY);
  if (!s) return core::internal("libtcc: cannot create a compiler state");
  if (tcc_compile_string(s, c_source.c_str()) != 0) {
    tcc_delete(s);
    return core::internal(fmt::format("{}: tier-1 compiler (libtcc) failed to compile the generated C: {}",
                                      name, errors.empty() ? "no message" : errors));
  }
  return link_state(std::move(lock), s, errors, guard_pages, name);
}

std::string tier1_key(std::string_view tier2_key) {
  return core::sha256_hex(fmt::format("wirt-tier1\nlibtcc=0.9.27\nformat={}\n{}", kTier1Magic, tier2_key));
}

bool tier1_cached(std::string_view key) {
  std::error_code ec;
  return std::filesystem::exists(tier1_path(key), ec);
}

core::Result<std::shared_ptr<const Code>> load_tier1(std::string_view key, bool guard_pages,
                                                     std::string_view name) {
  // libtcc's output embeds no key (the tier-2 prelude does): the sealed trailer names it.
  return load_cached_object(tier1_path(key), kTier1Magic, key, 1, /*embeds_key=*/false, guard_pages, name);
}

core::Result<std::shared_ptr<const Code>> compile_tier1_cached(const std::string& c_source,
                                                               std::string_view key, bool guard_pages,
                                                               std::string_view name) {
  std::string dir = cache_dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  static std::atomic<uint64_t> counter{0};
  // Named like tier 2's temporary files, so an abandoned one is removed the same way.
  std::string tmp = fmt::format("{}/.tmp-{}-{}-{}.so", dir, key.substr(0, 16), getpid(), counter++);
  {
    std::unique_lock lock(g_tcc_mu);
    std::string errors;
    TCCState* s = new_state(&errors, TCC_OUTPUT_DLL);
    if (!s) return core::internal("libtcc: cannot create a compiler state");
    // Nothing is added with tcc_add_symbol: libc/libm functions stay undefined and are bound by
    // the dynamic linker at each load; tcc's conversion helpers come with the object.
    bool ok = tcc_compile_string(s, c_source.c_str()) == 0 && tcc_compile_string(s, kDllHelpers) == 0 &&
              tcc_output_file(s, tmp.c_str()) == 0 && mark_stack_not_executable(tmp);
    tcc_delete(s);
    if (!ok) {
      std::filesystem::remove(tmp, ec);
      // The in-memory path reports the compiler's message.
      lock.unlock();
      return compile_tier1(c_source, guard_pages, name);
    }
  }
  if (!seal_cache_file(tmp, kTier1Magic, key)) {
    std::filesystem::remove(tmp, ec);
    return compile_tier1(c_source, guard_pages, name);
  }
  chmod(tmp.c_str(), 0444);  // cache entries are never modified in place
  std::filesystem::rename(tmp, tier1_path(key), ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return compile_tier1(c_source, guard_pages, name);
  }
  // A stored object that does not load (load_tier1 removed it, with a warning) still leaves the
  // module runnable from memory.
  auto loaded = load_tier1(key, guard_pages, name);
  if (loaded) return loaded;
  return compile_tier1(c_source, guard_pages, name);
}

}  // namespace wirt::wasm

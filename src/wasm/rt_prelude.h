/* wirt prelude for wasm2c 1.0.32 output (embedded text; never #included by C++).
 *
 * Generated module C is compiled with its #include lines removed and this text (plus rt_abi.h)
 * put in front: it stands in for <wasm-rt.h>, <stdint.h>, <string.h> and <math.h>, so tier 1
 * (libtcc, which has no headers installed here and no builtins) and tier 2 (cc) see the same
 * declarations, and no host libc header can change the instance layout.
 *
 * Expects WIRT_GUARD_PAGES (0/1) to be defined before it. */

typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;
typedef unsigned long size_t;
typedef unsigned long uintptr_t;
typedef long intptr_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void*)0)
#define offsetof(type, member) ((size_t) & (((type*)0)->member))
#define INT8_MIN (-128)
#define INT16_MIN (-32767 - 1)
#define INT32_MIN (-2147483647 - 1)
#define INT32_MAX 2147483647
#define UINT32_MAX 0xffffffffu
#define INT64_MIN (-9223372036854775807LL - 1)
#define INT64_MAX 9223372036854775807LL
#define UINT64_MAX 0xffffffffffffffffULL

/* @WIRT_ABI@ (rt_abi.h is inserted here) */

#define WASM_RT_H_ 1
#define WASM_RT_MEMCHECK_SIGNAL_HANDLER WIRT_GUARD_PAGES
#define WASM_RT_USE_STACK_DEPTH_COUNT 0
#define WASM_RT_MERGED_OOB_AND_EXHAUSTION_TRAPS 0
#define WASM_RT_NO_RETURN
#define assert(x) ((void)0)

#if defined(__GNUC__) && !defined(__TINYC__)
#define WIRT_GCC 1
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define WIRT_NORETURN __attribute__((noreturn))
#define WIRT_UNREACHABLE() __builtin_unreachable()
#define WIRT_EXPORT __attribute__((visibility("default")))
/* The forced read of a load (c_glue.cc): the value must be in a register (so the load happens
   and an out-of-bounds one traps, even when the result is unused), but floats go to an SSE
   register ("x") instead of being moved through a general one ("r"). */
static inline void wirt_force_f32(float v) { __asm__("" ::"x"(v)); }
static inline void wirt_force_f64(double v) { __asm__("" ::"x"(v)); }
static inline void wirt_force_u64(unsigned long long v) { __asm__("" ::"r"(v)); }
#define WIRT_FORCE_READ(x) \
  _Generic((x), float: wirt_force_f32, double: wirt_force_f64, default: wirt_force_u64)(x)
#define memcpy __builtin_memcpy
#define memset __builtin_memset
#define memmove __builtin_memmove
#define wasm_rt_memcpy __builtin_memcpy
#define alloca __builtin_alloca
#define sqrt __builtin_sqrt
#define sqrtf __builtin_sqrtf
#define floor __builtin_floor
#define floorf __builtin_floorf
#define ceil __builtin_ceil
#define ceilf __builtin_ceilf
#define trunc __builtin_trunc
#define truncf __builtin_truncf
#define nearbyint __builtin_nearbyint
#define nearbyintf __builtin_nearbyintf
#define fabs __builtin_fabs
#define fabsf __builtin_fabsf
#define copysign __builtin_copysign
#define copysignf __builtin_copysignf
#define WIRT_FNEG(x) (-(x))
#define WIRT_DNEG(x) (-(x))
#define signbit(x) __builtin_signbit(x)
#define isnan(x) __builtin_isnan(x)
#define NAN __builtin_nanf("")
#define INFINITY __builtin_inff()
#else
/* libtcc: no builtins. The C++ side supplies these symbols with tcc_add_symbol. */
#define UNLIKELY(x) (x)
#define LIKELY(x) (x)
#define WIRT_NORETURN
#define WIRT_UNREACHABLE() for (;;) {}
#define WIRT_EXPORT
/* tcc does not optimise loads away; keep wasm2c's original register constraint. */
#define WIRT_FORCE_READ(x) __asm__("" ::"r"(x))
void* memcpy(void*, const void*, size_t);
void* memset(void*, int, size_t);
void* memmove(void*, const void*, size_t);
double sqrt(double); float sqrtf(float);
double floor(double); float floorf(float);
double ceil(double); float ceilf(float);
double trunc(double); float truncf(float);
double nearbyint(double); float nearbyintf(float);
double fabs(double); float fabsf(float);
double copysign(double, double); float copysignf(float, float);
/* Plain loads and stores instead of a memcpy call per wasm memory access (tcc folds the
 * constant size test, leaving one move). */
#define wasm_rt_memcpy(d, s, n)                                              \
  ((n) == 4   ? (void)(*(uint32_t*)(void*)(d) = *(const uint32_t*)(const void*)(s)) \
   : (n) == 8 ? (void)(*(uint64_t*)(void*)(d) = *(const uint64_t*)(const void*)(s)) \
   : (n) == 1 ? (void)(*(uint8_t*)(void*)(d) = *(const uint8_t*)(const void*)(s))   \
   : (n) == 2 ? (void)(*(uint16_t*)(void*)(d) = *(const uint16_t*)(const void*)(s)) \
              : (void)memcpy((d), (s), (n)))
static int wirt_signbit(double x) {
  union { double d; uint64_t u; } v;
  v.d = x;
  return (int)(v.u >> 63);
}
static float wirt_nanf(void) {
  union { uint32_t u; float f; } v;
  v.u = 0x7fc00000u;
  return v.f;
}
/* tcc negates floats arithmetically, which does not keep NaN payloads; wasm's neg only flips
 * the sign bit (WebAssembly 2.0 §4.3.3 fneg). */
static float WIRT_FNEG(float x) {
  union { float f; uint32_t u; } v;
  v.f = x;
  v.u ^= 0x80000000u;
  return v.f;
}
static double WIRT_DNEG(double x) {
  union { double d; uint64_t u; } v;
  v.d = x;
  v.u ^= 0x8000000000000000ULL;
  return v.d;
}
#define signbit(x) wirt_signbit(x)
#define isnan(x) ((x) != (x))
#define NAN wirt_nanf()
#define INFINITY (1.0f / 0.0f)
/* wasm2c uses these gcc builtins for clz/ctz/popcnt. */
static int wirt_clz64(uint64_t x) {
  int n = 0;
  if (!(x & 0xffffffff00000000ULL)) { n += 32; x <<= 32; }
  if (!(x & 0xffff000000000000ULL)) { n += 16; x <<= 16; }
  if (!(x & 0xff00000000000000ULL)) { n += 8; x <<= 8; }
  if (!(x & 0xf000000000000000ULL)) { n += 4; x <<= 4; }
  if (!(x & 0xc000000000000000ULL)) { n += 2; x <<= 2; }
  if (!(x & 0x8000000000000000ULL)) { n += 1; }
  return n;
}
static int wirt_ctz64(uint64_t x) {
  int n = 0;
  if (!(x & 0xffffffffULL)) { n += 32; x >>= 32; }
  if (!(x & 0xffffULL)) { n += 16; x >>= 16; }
  if (!(x & 0xffULL)) { n += 8; x >>= 8; }
  if (!(x & 0xfULL)) { n += 4; x >>= 4; }
  if (!(x & 0x3ULL)) { n += 2; x >>= 2; }
  if (!(x & 0x1ULL)) { n += 1; }
  return n;
}
static int wirt_popcount64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return (int)((x * 0x0101010101010101ULL) >> 56);
}
#define __builtin_clz(x) (wirt_clz64((uint32_t)(x)) - 32)
#define __builtin_clzll(x) wirt_clz64(x)
#define __builtin_ctz(x) wirt_ctz64((uint32_t)(x))
#define __builtin_ctzll(x) wirt_ctz64(x)
#define __builtin_popcount(x) wirt_popcount64((uint32_t)(x))
#define __builtin_popcountll(x) wirt_popcount64(x)
#endif

#define wasm_rt_unreachable() WIRT_UNREACHABLE()

/* ---- runtime entry points (through the table given to wirt_module_entry) ---- */
static const wirt_rt_api* wirt_api;

static const wasm_rt_funcref_t wasm_rt_funcref_null_value = {0, NULL, NULL};
static const wasm_rt_externref_t wasm_rt_externref_null_value = NULL;

static bool wasm_rt_is_initialized(void) { return 1; }
static WIRT_NORETURN void wasm_rt_trap(wasm_rt_trap_t t) {
  wirt_api->trap(t);
  WIRT_UNREACHABLE();
}
/* Variadic in wasm-rt.h; an array here, because tcc cannot define variadic functions
 * without libtcc1. The leading -1 keeps the array non-empty for (0, 0). */
#define wasm_rt_register_func_type(p, r, ...) \
  wirt_api->register_func_type((p), (r), ((const int[]){-1, __VA_ARGS__}) + 1)
static void wasm_rt_allocate_memory(wasm_rt_memory_t* m, uint32_t initial, uint32_t max) {
  wirt_api->allocate_memory(m, initial, max);
}
static uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* m, uint32_t delta) {
  return wirt_api->grow_memory(m, delta);
}
static void wasm_rt_free_memory(wasm_rt_memory_t* m) { wirt_api->free_memory(m); }
static void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* t, uint32_t n, uint32_t max) {
  wirt_api->allocate_funcref_table(t, n, max);
}
static void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* t) {
  wirt_api->free_funcref_table(t);
}
static uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* t, uint32_t delta,
                                           wasm_rt_funcref_t init) {
  return wirt_api->grow_funcref_table(t, delta, &init);
}
static void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* t, uint32_t n,
                                             uint32_t max) {
  wirt_api->allocate_externref_table(t, n, max);
}
static void wasm_rt_free_externref_table(wasm_rt_externref_table_t* t) {
  wirt_api->free_externref_table(t);
}
static uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* t, uint32_t delta,
                                             wasm_rt_externref_t init) {
  return wirt_api->grow_externref_table(t, delta, init);
}

/* Stack exhaustion: every wasm function compares its frame with the limit the runtime stored
 * in the instance header at call entry (replaces wasm2c's FUNC_PROLOGUE, whose depth counter
 * is a process global and whose guard-page detection mislabels fiber-stack overflows). */
#define WIRT_HDR(inst) (((wirt_instance_header*)(void*)(inst)) - 1)
#define WIRT_PROLOGUE                                                              \
  if (UNLIKELY((uintptr_t)__builtin_frame_address(0) < WIRT_HDR(instance)->stack_limit)) \
    wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION)

/* Uniform-glue conversions between 64-bit slots and C values. */
static float wirt_f32_of(uint64_t v) {
  union { uint32_t u; float f; } x;
  x.u = (uint32_t)v;
  return x.f;
}
static uint64_t wirt_of_f32(float f) {
  union { uint32_t u; float f; } x;
  x.f = f;
  return x.u;
}
static double wirt_f64_of(uint64_t v) {
  union { uint64_t u; double d; } x;
  x.u = v;
  return x.d;
}
static uint64_t wirt_of_f64(double d) {
  union { uint64_t u; double d; } x;
  x.d = d;
  return x.u;
}
static wasm_rt_funcref_t wirt_funcref_of(uint64_t h) {
  wasm_rt_funcref_t f;
  wirt_api->unbox_funcref(h, &f);
  return f;
}
static uint64_t wirt_of_funcref(wasm_rt_funcref_t f) { return wirt_api->box_funcref(&f); }

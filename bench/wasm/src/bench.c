// wirt compute benchmarks: one C source built two ways by bench/wasm/build.sh —
//   clang --target=wasm32-wasi -O2 (no libc calls except memset/memcpy from wasi-libc) → bench.wasm
//   gcc -O2 (native, linked into the harness)                                         → bench_native.o
// Every workload is `uint32_t run_<name>(uint32_t reps)`: it repeats the work `reps` times and
// returns a checksum, so the harness can compare engines per repetition and check that every
// engine computed the same thing. The module has no imports.
#include <stddef.h>
#include <stdint.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(name)))
#else
#define EXPORT(name)
#endif

// Read once per repetition so compilers cannot hoist a pure computation out of the rep loop.
static volatile uint32_t g_zero = 0;

// ---- fib: recursive calls ------------------------------------------------------------------
static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

EXPORT("run_fib") uint32_t run_fib(uint32_t reps) {
  uint32_t s = 0;
  for (uint32_t r = 0; r < reps; r++) s += fib(30 + g_zero);
  return s;
}

// ---- sieve: byte stores over 8 MiB ---------------------------------------------------------
#define SIEVE_N (8u << 20)
static uint8_t sieve_mem[SIEVE_N];

EXPORT("run_sieve") uint32_t run_sieve(uint32_t reps) {
  uint32_t total = 0;
  for (uint32_t r = 0; r < reps; r++) {
    uint32_t n = SIEVE_N - g_zero;
    for (uint32_t i = 0; i < n; i++) sieve_mem[i] = 1;
    sieve_mem[0] = sieve_mem[1] = 0;
    for (uint32_t i = 2; i * i < n; i++)
      if (sieve_mem[i])
        for (uint32_t j = i * i; j < n; j += i) sieve_mem[j] = 0;
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++) c += sieve_mem[i];
    total += c;
  }
  return total;
}

// ---- matmul: 300x300 doubles, i-k-j order ---------------------------------------------------
#define MM 300
static double mm_a[MM * MM], mm_b[MM * MM], mm_c[MM * MM];

EXPORT("run_matmul") uint32_t run_matmul(uint32_t reps) {
  for (uint32_t i = 0; i < MM * MM; i++) {
    mm_a[i] = (double)(i % 17) * 0.25 + 1.0;
    mm_b[i] = (double)(i % 13) * 0.5 - 2.0;
  }
  double check = 0;
  for (uint32_t r = 0; r < reps; r++) {
    uint32_t n = MM - g_zero;
    for (uint32_t i = 0; i < n * n; i++) mm_c[i] = 0;
    for (uint32_t i = 0; i < n; i++)
      for (uint32_t k = 0; k < n; k++) {
        double a = mm_a[i * MM + k];
        for (uint32_t j = 0; j < n; j++) mm_c[i * MM + j] += a * mm_b[k * MM + j];
      }
    check += mm_c[(r * 7919u) % (MM * MM)];
    mm_a[r % (MM * MM)] += 1.0;  // each repetition multiplies different matrices
  }
  return (uint32_t)(int64_t)check;
}

// ---- sha256 of 4 MiB ------------------------------------------------------------------------
#define SHA_N (4u << 20)
static uint8_t sha_buf[SHA_N];

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
    uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha256(const uint8_t* data, uint32_t len, uint32_t out[8]) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  uint32_t i = 0;
  for (; i + 64 <= len; i += 64) sha256_block(h, data + i);
  uint8_t tail[128];
  uint32_t rest = len - i, tl = rest + 9 <= 64 ? 64 : 128;
  for (uint32_t k = 0; k < tl; k++) tail[k] = 0;
  for (uint32_t k = 0; k < rest; k++) tail[k] = data[i + k];
  tail[rest] = 0x80;
  uint64_t bits = (uint64_t)len * 8;
  for (int k = 0; k < 8; k++) tail[tl - 1 - k] = (uint8_t)(bits >> (8 * k));
  for (uint32_t k = 0; k < tl; k += 64) sha256_block(h, tail + k);
  for (int k = 0; k < 8; k++) out[k] = h[k];
}

EXPORT("run_sha256") uint32_t run_sha256(uint32_t reps) {
  uint32_t x = 12345;
  for (uint32_t i = 0; i < SHA_N; i++) {
    x = x * 1103515245u + 12345u;
    sha_buf[i] = (uint8_t)(x >> 16);
  }
  uint32_t d[8] = {0}, acc = 0;
  for (uint32_t r = 0; r < reps; r++) {
    sha256(sha_buf, SHA_N - g_zero, d);
    for (int k = 0; k < 8; k++) sha_buf[4 * k] ^= (uint8_t)d[k];  // chain the repetitions
    acc ^= d[0] + r;
  }
  return acc;
}

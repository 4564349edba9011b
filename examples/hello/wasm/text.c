// The demo's core WebAssembly module, built from this file by scripts/build-fixtures:
//   word-count: func(text: string) -> u32;
//   title-case: func(text: string) -> string;
#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base;
static uintptr_t heap_top;

__attribute__((export_name("cabi_realloc")))
void* cabi_realloc(void* old, size_t old_size, size_t align, size_t new_size) {
  if (!heap_top) heap_top = (uintptr_t)&__heap_base;
  uintptr_t p = (heap_top + align - 1) & ~(uintptr_t)(align - 1);
  size_t need = (p + new_size + 65535) / 65536, have = __builtin_wasm_memory_size(0);
  if (need > have && __builtin_wasm_memory_grow(0, need - have) == (size_t)-1) return 0;
  heap_top = p + new_size;
  for (size_t i = 0; old && i < old_size && i < new_size; ++i) ((unsigned char*)p)[i] = ((unsigned char*)old)[i];
  return (void*)p;
}

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

__attribute__((export_name("word-count")))
uint32_t word_count(const unsigned char* s, size_t n) {
  uint32_t words = 0;
  for (size_t i = 0; i < n; ++i)
    if (!is_space(s[i]) && (i == 0 || is_space(s[i - 1]))) ++words;
  return words;
}

static uint32_t ret[2];

__attribute__((export_name("title-case")))
uint32_t* title_case(const unsigned char* s, size_t n) {
  unsigned char* out = cabi_realloc(0, 0, 1, n);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = s[i];
    int start = i == 0 || is_space(s[i - 1]);
    if (start && c >= 'a' && c <= 'z') c -= 32;
    if (!start && c >= 'A' && c <= 'Z') c += 32;
    out[i] = c;
  }
  ret[0] = (uint32_t)(uintptr_t)out;
  ret[1] = (uint32_t)n;
  return ret;
}

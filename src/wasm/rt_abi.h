/* wirt WASM runtime ABI — the C contract between generated module code and wirt's runtime.
 *
 * This one header is both #included by the C++ runtime and embedded verbatim into every
 * generated module (src/wasm/CMakeLists.txt turns it into a string), so the two sides cannot
 * drift. It replaces the stock wasm-rt.h types that wasm2c 1.0.32 output refers to
 * (wasm_rt_memory_t, wasm_rt_funcref_t, ...): the generated code only uses those by field name,
 * so wirt is free to add fields.
 *
 * The boundary between generated code and the runtime only passes scalars and pointers (never
 * structs by value) because tier 1 (libtcc) and tier 2 (gcc) must both agree with the C++ side.
 * Generated code reaches the runtime only through one `wirt_rt_api` table handed to the module
 * entry point: no symbol has to be exported from the executable, and a cached .so from another
 * build cannot bind to the wrong functions (the ABI version is checked).
 *
 * Must stay valid C89-ish C for libtcc 0.9.27 and valid C++20. No includes: the embedding side
 * provides the <stdint.h> types first. */
#ifndef WIRT_RT_ABI_H_
#define WIRT_RT_ABI_H_

#define WIRT_ABI_VERSION 6u

#ifdef __cplusplus
extern "C" {
#endif

/* Trap reasons. The first nine values keep wasm-rt.h's order; wirt adds the rest. */
typedef enum {
  WASM_RT_TRAP_NONE,
  WASM_RT_TRAP_OOB,
  WASM_RT_TRAP_INT_OVERFLOW,
  WASM_RT_TRAP_DIV_BY_ZERO,
  WASM_RT_TRAP_INVALID_CONVERSION,
  WASM_RT_TRAP_UNREACHABLE,
  WASM_RT_TRAP_CALL_INDIRECT,
  WASM_RT_TRAP_UNCAUGHT_EXCEPTION,
  WASM_RT_TRAP_EXHAUSTION,
  WASM_RT_TRAP_TABLE_OOB,        /* table index out of range (table.get/set/copy/init, call_indirect) */
  WASM_RT_TRAP_UNINITIALIZED,    /* call_indirect through a null table element */
  WIRT_TRAP_HOST_ERROR,          /* a host import returned an error (kept as is) */
  WIRT_TRAP_TIMEOUT,             /* max_execution_ms expired */
  WIRT_TRAP_UNRESOLVED_IMPORT,   /* an import left unresolved at instantiation was called */
  WIRT_TRAP_COUNT
} wasm_rt_trap_t;

typedef enum {
  WASM_RT_I32,
  WASM_RT_I64,
  WASM_RT_F32,
  WASM_RT_F64,
  WASM_RT_FUNCREF,
  WASM_RT_EXTERNREF
} wasm_rt_type_t;

typedef void (*wasm_rt_function_ptr_t)(void);

typedef struct {
  uint32_t func_type; /* from register_func_type; 0 never names a type */
  wasm_rt_function_ptr_t func;
  void* module_instance;
} wasm_rt_funcref_t;

typedef void* wasm_rt_externref_t;

/* Linear memory. `data`, `pages`, `max_pages` and `size` are read by generated code. */
typedef struct {
  uint8_t* data;
  uint32_t pages, max_pages; /* max_pages already includes the instance's Limits */
  uint32_t size;             /* bytes; wasm2c 1.0.32 keeps it 32-bit (so < 65536 pages) */
  uint32_t guarded;          /* 1: 8 GiB guard reservation, 0: explicit bounds checks */
  uint64_t reserved;         /* bytes of address space mapped at data */
} wasm_rt_memory_t;

typedef struct {
  wasm_rt_funcref_t* data;
  uint32_t max_size;
  uint32_t size;
} wasm_rt_funcref_table_t;

typedef struct {
  wasm_rt_externref_t* data;
  uint32_t max_size;
  uint32_t size;
} wasm_rt_externref_table_t;

/* The one calling convention for every export and import: arguments and results are 64-bit
 * slots (i32 zero-extended, floats as their bit patterns, externref as the pointer, funcref as a
 * handle from box_funcref; 0 is null for both reference types). */
typedef void (*wirt_uniform_fn)(void* ctx, uint64_t* args, uint64_t* results);

/* One slot per module import, in import order. Functions use fn/fn_ctx; memories, tables and
 * globals use ptr (a wasm_rt_memory_t*, table struct, or the global's storage). */
typedef struct {
  wirt_uniform_fn fn;
  void* fn_ctx;
  void* ptr;
} wirt_import_slot;

/* Lives immediately before the wasm2c instance struct (same allocation), so generated code
 * reaches it from the `instance` pointer every function has, with no thread-local access
 * (libtcc has none). It is also what generated code passes to imports as the
 * `struct Z_<module>_instance_t*` "import environment". */
typedef struct wirt_instance_header {
  /* Points to this header. wasm2c 1.0.32 calls an import directly with the environment
   * pointer (= the header) but, when the import sits in a table, with the address of the
   * instance field that holds it; dereferencing once gives the header in both cases. */
  struct wirt_instance_header* self;
  uintptr_t stack_limit;    /* a wasm function whose frame is below this traps: exhaustion */
  wirt_import_slot* imports;
  void* owner;              /* the C++ wirt::wasm::Instance */
  uintptr_t reserved[4];    /* keeps the size 64 bytes: the instance struct stays aligned */
} wirt_instance_header;

/* Runtime entry points, filled by the C++ side. */
typedef struct {
  uint32_t abi_version;
  uint32_t reserved0;
  void (*trap)(wasm_rt_trap_t); /* never returns (longjmp to the call's trap point) */
  uint32_t (*register_func_type)(uint32_t params, uint32_t results, const int* types);
  void (*allocate_memory)(wasm_rt_memory_t*, uint32_t initial_pages, uint32_t max_pages);
  uint32_t (*grow_memory)(wasm_rt_memory_t*, uint32_t delta);
  void (*free_memory)(wasm_rt_memory_t*);
  void (*allocate_funcref_table)(wasm_rt_funcref_table_t*, uint32_t elements, uint32_t max);
  void (*free_funcref_table)(wasm_rt_funcref_table_t*);
  uint32_t (*grow_funcref_table)(wasm_rt_funcref_table_t*, uint32_t delta,
                                 const wasm_rt_funcref_t* init);
  void (*allocate_externref_table)(wasm_rt_externref_table_t*, uint32_t elements, uint32_t max);
  void (*free_externref_table)(wasm_rt_externref_table_t*);
  uint32_t (*grow_externref_table)(wasm_rt_externref_table_t*, uint32_t delta,
                                   wasm_rt_externref_t init);
  void (*call_import)(wirt_instance_header*, uint32_t index, uint64_t* args, uint64_t* results);
  uint64_t (*box_funcref)(const wasm_rt_funcref_t*);
  void (*unbox_funcref)(uint64_t handle, wasm_rt_funcref_t* out);
} wirt_rt_api;

enum { WIRT_EXPORT_FUNC = 0, WIRT_EXPORT_TABLE = 1, WIRT_EXPORT_MEMORY = 2, WIRT_EXPORT_GLOBAL = 3 };

typedef struct {
  const char* name;
  uint32_t kind;
  wirt_uniform_fn call;          /* functions: ctx is the instance struct */
  void* (*get)(void* instance);  /* tables, memories, globals: pointer to the object */
} wirt_export_desc;

/* What a compiled module hands back from its entry point. */
typedef struct {
  uint32_t abi_version;
  uint32_t num_exports;
  const char* key;               /* the cache key the C was generated for (tier-2 check) */
  uint64_t instance_size;        /* sizeof the wasm2c instance struct */
  /* Runs wasm2c's instantiate: imports, globals, memories, tables, segments, start function. */
  void (*instantiate)(void* instance, wirt_instance_header* hdr);
  void (*free_instance)(void* instance);
  const wirt_export_desc* exports;
  wasm_rt_memory_t* (*memory0)(void* instance); /* NULL when the module has no memory */
} wirt_module_desc;

typedef const wirt_module_desc* (*wirt_module_entry_fn)(const wirt_rt_api*);
#define WIRT_MODULE_ENTRY_NAME "wirt_module_entry"

#ifdef __cplusplus
}
#endif

#endif /* WIRT_RT_ABI_H_ */

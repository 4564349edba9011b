;; Canonical-ABI results whose descriptors alias one region: 20,000 strings that are all the
;; same 60 KiB (1.2 GB if copied), and 20,000 lists that are all the same list of them.
(module
  (memory (export "memory") 32)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 1000000)
  ;; 20,000 (ptr 0, len 61440) descriptors at 65536, over 60 KiB of 'a'.
  (func $strings (local $i i32)
    (memory.fill (i32.const 0) (i32.const 97) (i32.const 61440))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const 20000)))
      (i32.store (i32.add (i32.const 65536) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0))
      (i32.store (i32.add (i32.const 65540) (i32.mul (local.get $i) (i32.const 8))) (i32.const 61440))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  (func (export "strings") (result i32)
    call $strings
    (i32.store (i32.const 300000) (i32.const 65536))
    (i32.store (i32.const 300004) (i32.const 20000))
    i32.const 300000)
  ;; 20,000 (ptr 65536, len 20000) list descriptors at 400000: each the list above.
  (func (export "nested") (result i32) (local $i i32)
    call $strings
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const 20000)))
      (i32.store (i32.add (i32.const 400000) (i32.mul (local.get $i) (i32.const 8))) (i32.const 65536))
      (i32.store (i32.add (i32.const 400004) (i32.mul (local.get $i) (i32.const 8))) (i32.const 20000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 300000) (i32.const 400000))
    (i32.store (i32.const 300004) (i32.const 20000))
    i32.const 300000)
)

;; Guests that make the host write: preview1 fd_write with aliasing iovecs, and many line-less
;; writes. The buffer (the first 64 KiB) is all 'x' bytes: no newline anywhere.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 16)
  (func $fill
    (memory.fill (i32.const 0) (i32.const 120) (i32.const 65536)))
  ;; 100,000 iovecs at 64 KiB, each pointing at the same 64 KiB buffer: 6.5 GB if copied.
  (func (export "alias") (result i32) (local $i i32)
    call $fill
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const 100000)))
      (i32.store (i32.add (i32.const 65536) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0))
      (i32.store (i32.add (i32.const 65540) (i32.mul (local.get $i) (i32.const 8))) (i32.const 65536))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (call $fd_write (i32.const 1) (i32.const 65536) (i32.const 100000) (i32.const 1000000)))
  ;; `n` writes of the 64 KiB buffer, one iovec each, with no line end.
  (func (export "lineless") (param $n i32) (result i32) (local $i i32)
    call $fill
    (i32.store (i32.const 65536) (i32.const 0))
    (i32.store (i32.const 65540) (i32.const 65536))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (drop (call $fd_write (i32.const 1) (i32.const 65536) (i32.const 1) (i32.const 1000000)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $n))
)

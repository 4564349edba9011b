;; A guest that asks preview1 poll_oneoff to sleep for an hour on the monotonic clock.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (func (export "sleep_hour") (result i32)
    ;; subscription at 0: userdata 0, tag 0 (clock), clock id 1, timeout 3600 s, flags 0
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 3600000000000))
    (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
)

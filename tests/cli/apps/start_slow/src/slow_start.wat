(module
  (global $g (mut i64) (i64.const 0))
  ;; A multiplicative recurrence: unlike a plain counter, a C compiler cannot fold it into a
  ;; closed form, so the start function is busy for seconds on tier 2 as well as on tier 1
  ;; (gcc -O2 turned the counting loop into a constant once the object was cached).
  (func $busy (local i64 i64)
    (loop
      (local.set 1 (i64.add (i64.mul (local.get 1) (i64.const 6364136223846793005))
                            (i64.const 1442695040888963407)))
      (local.set 0 (i64.add (local.get 0) (i64.const 1)))
      (br_if 0 (i64.lt_u (local.get 0) (i64.const 3000000000))))
    (global.set $g (local.get 1)))
  (start $busy)
  (func (export "f") (result i64) global.get $g))

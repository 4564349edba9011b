(module
  (global $g (mut i64) (i64.const 0))
  (func $busy (local i64)
    (loop
      (local.set 0 (i64.add (local.get 0) (i64.const 1)))
      (br_if 0 (i64.lt_u (local.get 0) (i64.const 3000000000))))
    (global.set $g (local.get 0)))
  (start $busy)
  (func (export "f") (result i64) global.get $g))

;; Start functions: one that never returns, one busy for seconds (3e9 iterations).
(module
  (func $spin (loop br 0))
  (start $spin)
  (func (export "f") (result i32) i32.const 1))

;; The smallest useful export for measuring call overhead: add(s32, s32) -> s32.
(module
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add))

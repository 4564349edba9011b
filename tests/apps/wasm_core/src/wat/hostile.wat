;; Modules that misbehave on purpose: each must be contained.
(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  ;; runs forever
  (func (export "spin") (loop $l (br $l)))
  ;; recursion without end
  (func $down (export "recurse") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add
    call $down)
  ;; grows memory by n pages; returns the old size or -1
  (func (export "grow") (param i32) (result i32)
    local.get 0
    memory.grow)
  ;; loads far outside the memory
  (func (export "oob") (result i32)
    i32.const 0x7fff0000
    i32.load)
  (func (export "div") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.div_s)
  (func (export "boom") unreachable)
  ;; returns the global, then bumps it: fresh state per call means always 0
  (func (export "bump") (result i32)
    global.get $g
    global.get $g i32.const 1 i32.add global.set $g)
  ;; writes memory[0], returns what was there before: fresh memory means always 0
  (func (export "poke") (param i32) (result i32)
    (local $old i32)
    i32.const 0 i32.load
    local.set $old
    i32.const 0 local.get 0 i32.store
    local.get $old))

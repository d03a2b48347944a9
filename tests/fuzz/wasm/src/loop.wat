(module
  (func $fib (export "fib") (param i64) (result i64)
    (local i64 i64)
    (local.set 1 (i64.const 0)) (local.set 2 (i64.const 1))
    (block $done
      (loop $l
        (br_if $done (i64.eqz (local.get 0)))
        (local.set 2 (i64.add (local.get 1) (local.tee 1 (local.get 2))))
        (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
        (br $l)))
    (local.get 1))
  (func $start (drop (call $fib (i64.const 30))))
  (start $start)
  (func (export "float") (param f64) (result i32)
    (i32.trunc_sat_f64_s (f64.sqrt (local.get 0))))
  (func (export "rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (call 4 (i32.sub (local.get 0) (i32.const 1))))))
  (func (param i32) (result i32) (call 3 (local.get 0))))

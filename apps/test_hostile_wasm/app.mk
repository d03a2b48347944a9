# The module is built from apps/test_hostile/main.c (included by main.c here).
$(BUILD)/apps/test_hostile_wasm.wasm: apps/test_hostile/main.c

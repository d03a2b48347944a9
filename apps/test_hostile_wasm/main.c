// test_hostile_wasm: apps/test_hostile/main.c compiled to WebAssembly.
#include "../test_hostile/main.c"

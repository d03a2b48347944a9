# Host build of the WebAssembly engine and its app runtime: spec-suite runner, fuzzers
# (run by the main Makefile's fuzz targets: make fuzz-wasm, make fuzz-wasm_app),
# the Linux runner wasm-run, WASI tests against node:wasi, and benchmarks.
# Included by the main Makefile; also usable alone: make -f kernel/wasm/wasm.mk test-wasm
WASM_DIR := kernel/wasm
WASM_BUILD := build/wasm
WASM_CC ?= clang
# The official core spec tests (WebAssembly 2.0 without SIMD, 90 files), shared
# beside this repository; set WASM_TESTSUITE to use another copy.
WASM_TESTSUITE ?= $(firstword $(wildcard ../shared/wasm-testsuite /work/shared/wasm-testsuite) \
	../shared/wasm-testsuite)
WASM_SPEC_FILES := $(sort $(wildcard $(WASM_TESTSUITE)/*.wast))
# Calls run in slices of 7 fuel units, so every suspend/resume path is exercised.
WASM_SPEC_FLAGS ?= -f 7

# The app runtime (WASI and the `ftl` imports) is kept out of the engine-only programs.
WASM_APP_SRCS := $(wildcard $(WASM_DIR)/wasm_app*.c)
WASM_ENGINE_SRCS := $(filter-out $(WASM_DIR)/host_klib.c $(WASM_APP_SRCS),$(wildcard $(WASM_DIR)/*.c))
WASM_HOST_SRCS := $(WASM_ENGINE_SRCS) $(WASM_DIR)/host_klib.c
WASM_HDRS := $(wildcard $(WASM_DIR)/*.h $(WASM_DIR)/tests/*.h) $(WASM_DIR)/../klib.h \
	$(wildcard libs/c/ftl/include/ftl/*.h)
WASM_SPEC_SRCS := $(WASM_DIR)/tests/spectest.c $(WASM_DIR)/tests/json.c
WASM_WARN := -std=c11 -Wall -Wextra -Werror
WASM_CFLAGS := $(WASM_WARN) -g -O2 -fsanitize=address,undefined -fno-sanitize-recover=all
WASM_FUZZ_CFLAGS := $(WASM_WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
WASM_SPEC_BIN := $(WASM_BUILD)/spectest
WASM_FUZZ_BIN := $(WASM_BUILD)/wasm_fuzz
WASM_APP_FUZZ_BIN := $(WASM_BUILD)/wasm_app_fuzz

$(WASM_SPEC_BIN): $(WASM_HOST_SRCS) $(WASM_SPEC_SRCS) $(WASM_HDRS)
	@mkdir -p $(WASM_BUILD)
	$(WASM_CC) $(WASM_CFLAGS) -o $@ $(WASM_HOST_SRCS) $(WASM_SPEC_SRCS) -lm

$(WASM_FUZZ_BIN): $(WASM_HOST_SRCS) $(WASM_DIR)/tests/wasm_fuzz.c $(WASM_HDRS)
	@mkdir -p $(WASM_BUILD)
	$(WASM_CC) $(WASM_FUZZ_CFLAGS) -o $@ $(WASM_HOST_SRCS) $(WASM_DIR)/tests/wasm_fuzz.c -lm

# The app runtime on the engine, as a `wasm` app starts in the kernel: load and run.
$(WASM_APP_FUZZ_BIN): $(WASM_HOST_SRCS) $(WASM_APP_SRCS) $(WASM_DIR)/tests/wasm_app_fuzz.c \
		$(WASM_HDRS)
	@mkdir -p $(WASM_BUILD)
	$(WASM_CC) $(WASM_FUZZ_CFLAGS) -Ilibs/c/ftl/include -o $@ $(WASM_HOST_SRCS) $(WASM_APP_SRCS) \
		$(WASM_DIR)/tests/wasm_app_fuzz.c -lm

# cmocka tests of the loader's section rules and the interpreter's guards.
WASM_UNIT_BIN := $(WASM_BUILD)/wasm_load_test
$(WASM_UNIT_BIN): $(WASM_HOST_SRCS) $(WASM_DIR)/tests/wasm_load_test.c $(WASM_HDRS)
	@mkdir -p $(WASM_BUILD)
	$(WASM_CC) $(WASM_WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-o $@ $(WASM_HOST_SRCS) $(WASM_DIR)/tests/wasm_load_test.c -lcmocka -lm

.PHONY: test-wasm test-wasm-unit
test-wasm-unit: $(WASM_UNIT_BIN)
	@echo "== wasm_load_test" && $(WASM_UNIT_BIN)


# Runs all 90 spec files; fails unless every command passes.
test-wasm: $(WASM_SPEC_BIN)
	@if [ $(words $(WASM_SPEC_FILES)) -ne 90 ]; then \
		echo "test-wasm: expected the 90 .wast files of the spec suite in $(WASM_TESTSUITE)," \
			"found $(words $(WASM_SPEC_FILES)); set WASM_TESTSUITE=<dir>" >&2; exit 1; fi
	$(WASM_SPEC_BIN) $(WASM_SPEC_FLAGS) $(WASM_BUILD)/spec $(WASM_SPEC_FILES)

# ---- app runtime: wasm-run, WASI tests, example apps -----------------------------------
WASM_RUN_SRCS := $(WASM_HOST_SRCS) $(WASM_APP_SRCS) $(WASM_DIR)/tests/wasm_run.c \
	$(WASM_DIR)/tests/host_ftl.c $(WASM_DIR)/tests/host_fs.c libs/c/fsproto/fsproto.c
WASM_RUN_BIN := $(WASM_BUILD)/wasm-run
WASM_INC := -Ilibs/c/ftl/include -Ilibs/c/fsproto/include
# Debian's clang + wasi-libc (packages wasi-libc, libclang-rt-14-dev-wasm32).
WASM_WASI_CC ?= clang --target=wasm32-wasi --sysroot=/usr
WASM_WASI_CFLAGS := $(WASM_WARN) -O2
WASM_WASI_PROGS := $(basename $(notdir $(wildcard $(WASM_DIR)/tests/wasi/*.c)))
WASM_WASI_BINS := $(patsubst %,$(WASM_BUILD)/wasi/%.wasm,$(WASM_WASI_PROGS))
WASM_APPS := $(basename $(notdir $(wildcard $(WASM_DIR)/tests/apps/*.c)))
WASM_APP_BINS := $(patsubst %,$(WASM_BUILD)/apps/%.wasm,$(WASM_APPS))
WASM_NODE ?= node

$(WASM_RUN_BIN): $(WASM_RUN_SRCS) $(WASM_HDRS)
	@mkdir -p $(WASM_BUILD)
	$(WASM_CC) $(WASM_CFLAGS) $(WASM_INC) -o $@ $(WASM_RUN_SRCS) -lm

$(WASM_BUILD)/wasi/%.wasm: $(WASM_DIR)/tests/wasi/%.c $(WASM_DIR)/tests/sha256_impl.h \
		$(WASM_DIR)/tests/wasi/wasi_check.h
	@mkdir -p $(dir $@)
	$(WASM_WASI_CC) $(WASM_WASI_CFLAGS) -o $@ $<

# The echo server is the real app in apps/wasm_echo.
WASM_APP_BINS += $(WASM_BUILD)/apps/echo_server.wasm
$(WASM_BUILD)/apps/echo_server.wasm: apps/wasm_echo/main.c $(WASM_DIR)/sdk/ftl_wasm.h
	@mkdir -p $(dir $@)
	$(WASM_WASI_CC) $(WASM_WASI_CFLAGS) $(WASM_INC) -I$(WASM_DIR)/sdk -o $@ $<

$(WASM_BUILD)/apps/%.wasm: $(WASM_DIR)/tests/apps/%.c $(WASM_DIR)/sdk/ftl_wasm.h
	@mkdir -p $(dir $@)
	$(WASM_WASI_CC) $(WASM_WASI_CFLAGS) $(WASM_INC) -I$(WASM_DIR)/sdk -o $@ $<

.PHONY: test-wasi wasm-run

wasm-run: $(WASM_RUN_BIN)

# Runs every WASI test program under wasm-run and node:wasi and compares the output;
# also traps, fuel exhaustion, unknown imports and the WASM echo server.
test-wasi: $(WASM_RUN_BIN) $(WASM_WASI_BINS) $(WASM_APP_BINS)
	WASM_NODE="$(WASM_NODE)" sh $(WASM_DIR)/tests/wasi_test.sh $(WASM_RUN_BIN) $(WASM_BUILD)

# ---- benchmarks: our engine vs wabt's wasm-interp vs native ----------------------------
WASM_BENCH_NAMES := fib sieve sha256 matrix coremark
WASM_BENCH_DIR := $(WASM_BUILD)/bench
WASM_BENCH_RUNNER := $(WASM_BENCH_DIR)/wasm-run
WASM_BENCH_RUNS ?= 5
WASM_BENCH_CFLAGS := $(WASM_WARN) -O2 -DNDEBUG
# wasm32 without libc or WASI, exporting run(), so wasm-interp can call it.
WASM_BENCH_WASM_CC ?= clang --target=wasm32 -nostdlib -Wl,--no-entry -Wl,--export=run
WASM_BENCH_BINS := $(foreach b,$(WASM_BENCH_NAMES),$(WASM_BENCH_DIR)/$(b).wasm $(WASM_BENCH_DIR)/$(b))
WASM_BENCH_HDRS := $(WASM_DIR)/tests/bench/bench.h $(WASM_DIR)/tests/sha256_impl.h

$(WASM_BENCH_RUNNER): $(WASM_RUN_SRCS) $(WASM_HDRS)
	@mkdir -p $(WASM_BENCH_DIR)
	$(WASM_CC) $(WASM_BENCH_CFLAGS) $(WASM_INC) -o $@ $(WASM_RUN_SRCS) -lm

$(WASM_BENCH_DIR)/%.wasm: $(WASM_DIR)/tests/bench/%.c $(WASM_BENCH_HDRS)
	@mkdir -p $(WASM_BENCH_DIR)
	$(WASM_BENCH_WASM_CC) $(WASM_BENCH_CFLAGS) -o $@ $<

$(WASM_BENCH_DIR)/%: $(WASM_DIR)/tests/bench/%.c $(WASM_DIR)/tests/bench/bench_main.c \
		$(WASM_BENCH_HDRS)
	@mkdir -p $(WASM_BENCH_DIR)
	$(WASM_CC) $(WASM_BENCH_CFLAGS) -o $@ $< $(WASM_DIR)/tests/bench/bench_main.c

.PHONY: bench-wasm

# Times each benchmark (median of WASM_BENCH_RUNS runs) under our engine, wasm-interp
# and natively; prints a table and BENCH lines. Never fails on timing.
bench-wasm: $(WASM_BENCH_RUNNER) $(WASM_BENCH_BINS)
	python3 $(WASM_DIR)/tests/bench/bench.py --runs $(WASM_BENCH_RUNS) --ours $(WASM_BENCH_RUNNER) \
		--dir $(WASM_BENCH_DIR) $(WASM_BENCH_NAMES)

# Host build of the WebAssembly engine: spec-suite runner and fuzzer.
# Included by the main Makefile; also usable alone: make -f kernel/wasm/wasm.mk test-wasm
WASM_DIR := kernel/wasm
WASM_BUILD := build/wasm
WASM_CC ?= clang
# The official core spec tests (WebAssembly 2.0 without SIMD, 90 files), shared
# beside this repository; set WASM_TESTSUITE to use another copy.
WASM_TESTSUITE ?= $(firstword $(wildcard ../shared/wasm-testsuite /work/shared/wasm-testsuite) \
	../shared/wasm-testsuite)
WASM_SPEC_FILES := $(sort $(wildcard $(WASM_TESTSUITE)/*.wast))
WASM_FUZZ_SECONDS ?= 60
# Calls run in slices of 7 fuel units, so every suspend/resume path is exercised.
WASM_SPEC_FLAGS ?= -f 7

WASM_ENGINE_SRCS := $(filter-out $(WASM_DIR)/host_klib.c,$(wildcard $(WASM_DIR)/*.c))
WASM_HOST_SRCS := $(WASM_ENGINE_SRCS) $(WASM_DIR)/host_klib.c
WASM_HDRS := $(wildcard $(WASM_DIR)/*.h $(WASM_DIR)/tests/*.h) $(WASM_DIR)/../klib.h
WASM_SPEC_SRCS := $(WASM_DIR)/tests/spectest.c $(WASM_DIR)/tests/json.c
WASM_WARN := -std=c11 -Wall -Wextra -Werror
WASM_CFLAGS := $(WASM_WARN) -g -O2 -fsanitize=address,undefined -fno-sanitize-recover=all
WASM_FUZZ_CFLAGS := $(WASM_WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
WASM_SPEC_BIN := $(WASM_BUILD)/spectest
WASM_FUZZ_BIN := $(WASM_BUILD)/wasm_fuzz

$(WASM_SPEC_BIN): $(WASM_HOST_SRCS) $(WASM_SPEC_SRCS) $(WASM_HDRS)
	@mkdir -p $(WASM_BUILD)
	$(WASM_CC) $(WASM_CFLAGS) -o $@ $(WASM_HOST_SRCS) $(WASM_SPEC_SRCS) -lm

$(WASM_FUZZ_BIN): $(WASM_HOST_SRCS) $(WASM_DIR)/tests/wasm_fuzz.c $(WASM_HDRS)
	@mkdir -p $(WASM_BUILD)
	$(WASM_CC) $(WASM_FUZZ_CFLAGS) -o $@ $(WASM_HOST_SRCS) $(WASM_DIR)/tests/wasm_fuzz.c -lm

.PHONY: test-wasm fuzz-wasm

# Runs all 90 spec files; fails unless every command passes.
test-wasm: $(WASM_SPEC_BIN)
	@if [ $(words $(WASM_SPEC_FILES)) -ne 90 ]; then \
		echo "test-wasm: expected the 90 .wast files of the spec suite in $(WASM_TESTSUITE)," \
			"found $(words $(WASM_SPEC_FILES)); set WASM_TESTSUITE=<dir>" >&2; exit 1; fi
	$(WASM_SPEC_BIN) $(WASM_SPEC_FLAGS) $(WASM_BUILD)/spec $(WASM_SPEC_FILES)

# Seeds the corpus with the spec modules (when converted) and fuzzes for 60 s.
fuzz-wasm: $(WASM_FUZZ_BIN)
	@mkdir -p $(WASM_BUILD)/fuzz-corpus
	@find $(WASM_BUILD)/spec -name '*.wasm' -size -8k -exec cp -t $(WASM_BUILD)/fuzz-corpus/ {} + \
		2>/dev/null || true
	$(WASM_FUZZ_BIN) -max_total_time=$(WASM_FUZZ_SECONDS) -max_len=8192 -timeout=10 \
		-rss_limit_mb=4096 -artifact_prefix=$(WASM_BUILD)/ $(WASM_BUILD)/fuzz-corpus

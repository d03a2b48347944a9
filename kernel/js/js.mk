# QuickJS for `isolation: js`, included by the main Makefile. QuickJS's source comes
# from Debian's `quickjs` source package at a pinned version, fetched into
# build/quickjs/ (never committed) by kernel/js/fetch.sh, and is built twice:
#   build/quickjs/libquickjs-aarch64.a  freestanding, for the kernel (like kernel/wasm,
#                                       with floating point), with kernel/js/port/
#   build/quickjs/host/*.o              native with ASan and coverage: js-run, the fuzzer
# The kernel links picolibc's double-precision math (only the libm_* members, which
# use no errno or locale) from build/quickjs/libm-aarch64.a.
#   make js-run            build/quickjs/js-run: runs a JS app on Linux (like wasm-run)
#   make test-js           the host tests (kernel/js/tests/run.sh)

QUICKJS_VERSION := 2025.04.26-1
JS_DIR := kernel/js
JS_BUILD := build/quickjs
JS_SRC := $(JS_BUILD)/quickjs-$(firstword $(subst -, ,$(QUICKJS_VERSION)))
JS_STAMP := $(JS_SRC)/.ftl-fetched-$(QUICKJS_VERSION)
JS_Q := $(if $(V),,@)
JS_ENGINE := quickjs libregexp libunicode cutils dtoa
JS_DEFS := -D_GNU_SOURCE -DCONFIG_VERSION=\"2025-04-26\"
JS_PRELUDE_H := $(JS_BUILD)/gen/js_prelude_bc.h

# Freestanding, for the kernel: picolibc's headers, no -mgeneral-regs-only.
JS_KERNEL_FLAGS := -O2 -g -ffreestanding -nostdlibinc -isystem $(PICOLIBC)/include \
	-march=armv8.1-a -fno-stack-protector -fno-omit-frame-pointer -fno-pic -fno-pie \
	-mcmodel=small -fno-math-errno -I$(JS_DIR)/port -include $(JS_DIR)/port/port.h
JS_ENGINE_KOBJS := $(patsubst %,$(JS_BUILD)/aarch64/%.o,$(JS_ENGINE))
JS_KLIB := $(JS_BUILD)/libquickjs-aarch64.a
JS_KLIBM := $(JS_BUILD)/libm-aarch64.a

$(JS_STAMP):
	$(JS_Q)$(JS_DIR)/fetch.sh $(JS_BUILD)

.PHONY: js-fetch
js-fetch: $(JS_STAMP)

# prelude.js (the JS half of the ftl API) as QuickJS bytecode, made by a host tool.
JS_BYTECODE_BIN := $(JS_BUILD)/js-bytecode
$(JS_PRELUDE_H): $(JS_DIR)/prelude.js $(JS_BYTECODE_BIN)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  GEN     $@")
	$(JS_Q)$(JS_BYTECODE_BIN) $< $@

$(JS_BUILD)/aarch64/%.o: $(JS_STAMP) $(JS_DIR)/port/port.h $(JS_DIR)/port/pthread.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      quickjs/$*.c")
	$(JS_Q)$(TARGET_CC) $(JS_KERNEL_FLAGS) -std=gnu11 -w $(JS_DEFS) -c $(JS_SRC)/$*.c -o $@

# quickjs.o comes from kernel/js/quickjs_lazy.c, which includes QuickJS's quickjs.c and
# adds globals made on first use (quickjs_lazy.h).
$(JS_BUILD)/aarch64/quickjs.o: $(JS_DIR)/quickjs_lazy.c $(JS_DIR)/quickjs_lazy.h $(JS_STAMP) \
		$(JS_DIR)/port/port.h $(JS_DIR)/port/pthread.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(JS_Q)$(TARGET_CC) $(JS_KERNEL_FLAGS) -std=gnu11 -w $(JS_DEFS) -I$(JS_SRC) -c $< -o $@

$(JS_KLIB): $(JS_ENGINE_KOBJS)
	@$(if $(V),,echo "  AR      $@")
	$(JS_Q)rm -f $@ && llvm-ar rcs $@ $^

# picolibc's math functions only: no member that needs errno, stdio or malloc.
$(JS_KLIBM): $(PICOLIBC)/lib/libc.a
	@mkdir -p $(JS_BUILD)/libm-members
	$(JS_Q)cd $(JS_BUILD)/libm-members && rm -f *.o && llvm-ar x $(abspath $<) && \
		rm -f $$(ls | grep -v '^libm_') && rm -f ../$(notdir $@) && llvm-ar rcs ../$(notdir $@) *.o

# The glue in kernel/js/*.c: kernel flags with floating point, and the engine's headers.
KERNEL_JS := $(JS_DIR)/arena.c $(JS_DIR)/js_app.c $(JS_DIR)/port.c $(JS_DIR)/test262_host.c
KERNEL_JS_CFLAGS := $(filter-out -mgeneral-regs-only,$(KERNEL_CFLAGS)) -fno-math-errno \
	-isystem $(PICOLIBC)/include -isystem $(JS_SRC) -I$(JS_BUILD)/gen -I$(JS_DIR)/port

# ---- host: js-run and the fuzzer ------------------------------------------------------
JS_HOST_CC := clang
JS_HOST_ENGINE_FLAGS := -O1 -g -std=gnu11 -w $(JS_DEFS) -fsanitize=address,fuzzer-no-link \
	-fno-omit-frame-pointer
JS_HOST_FLAGS := $(WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Ilibs/c/ftl/include -isystem $(JS_SRC) -I$(JS_BUILD)/gen \
	-DFTL_JS_TEST262
JS_ENGINE_HOBJS := $(patsubst %,$(JS_BUILD)/host/%.o,$(JS_ENGINE))
JS_GLUE_SRCS := $(JS_DIR)/arena.c $(JS_DIR)/js_app.c $(JS_DIR)/test262_host.c
JS_GLUE_HDRS := $(JS_DIR)/arena.h $(JS_DIR)/js_app.h $(JS_DIR)/quickjs_lazy.h \
	$(JS_DIR)/test262_host.h $(JS_PRELUDE_H) \
	kernel/wasm/wasm_app.h
JS_RUN_BIN := $(JS_BUILD)/js-run
JS_FUZZ_BIN := $(JS_BUILD)/js_fuzz
JS_HOST_FTL := kernel/wasm/tests/host_ftl.c

$(JS_BUILD)/host/%.o: $(JS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  HOSTCC  quickjs/$*.c")
	$(JS_Q)$(JS_HOST_CC) $(JS_HOST_ENGINE_FLAGS) -c $(JS_SRC)/$*.c -o $@

$(JS_BUILD)/host/quickjs.o: $(JS_DIR)/quickjs_lazy.c $(JS_DIR)/quickjs_lazy.h $(JS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  HOSTCC  $<")
	$(JS_Q)$(JS_HOST_CC) $(JS_HOST_ENGINE_FLAGS) -I$(JS_SRC) -c $< -o $@

$(JS_BYTECODE_BIN): $(JS_DIR)/tests/js_bytecode.c $(JS_ENGINE_HOBJS)
	@$(if $(V),,echo "  HOSTCC  $@")
	$(JS_Q)$(JS_HOST_CC) $(JS_HOST_FLAGS) -o $@ $< $(JS_ENGINE_HOBJS) -lm

$(JS_RUN_BIN): $(JS_DIR)/tests/js_run.c $(JS_GLUE_SRCS) $(JS_GLUE_HDRS) $(JS_HOST_FTL) \
		$(JS_ENGINE_HOBJS)
	@$(if $(V),,echo "  HOSTCC  $@")
	$(JS_Q)$(JS_HOST_CC) $(JS_HOST_FLAGS) -o $@ $(JS_DIR)/tests/js_run.c $(JS_GLUE_SRCS) \
		$(JS_HOST_FTL) $(JS_ENGINE_HOBJS) -lm

$(JS_FUZZ_BIN): $(JS_DIR)/tests/js_fuzz.c $(JS_GLUE_SRCS) $(JS_GLUE_HDRS) $(JS_HOST_FTL) \
		$(JS_ENGINE_HOBJS)
	@$(if $(V),,echo "  FUZZCC  $@")
	$(JS_Q)$(JS_HOST_CC) $(JS_HOST_FLAGS) -fsanitize=fuzzer -o $@ $(JS_DIR)/tests/js_fuzz.c \
		$(JS_GLUE_SRCS) $(JS_HOST_FTL) $(JS_ENGINE_HOBJS) -lm

.PHONY: js-run test-js
js-run: $(JS_RUN_BIN)

test-js: $(JS_RUN_BIN)
	$(JS_Q)sh $(JS_DIR)/tests/run.sh $(JS_RUN_BIN)

# ---- test262 on the host build (make test262; part of make test-slow) -------------------
T262_BUILD := build/test262
T262_STAMP := $(T262_BUILD)/.ftl-fetched-5.15.8+dfsg-3
T262_RUN := $(JS_BUILD)/run-test262
T262_OBJS := $(patsubst %,$(JS_BUILD)/native/%.o,$(JS_ENGINE) quickjs-libc run-test262)

$(T262_STAMP):
	$(JS_Q)$(JS_DIR)/tests/fetch_test262.sh $(T262_BUILD)

# QuickJS's own test runner, built natively at -O2 like the engine the notes measured.
$(JS_BUILD)/native/%.o: $(JS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  HOSTCC  quickjs/$*.c (native)")
	$(JS_Q)$(JS_HOST_CC) -O2 -std=gnu11 -w $(JS_DEFS) -c $(JS_SRC)/$*.c -o $@

$(T262_RUN): $(T262_OBJS)
	$(JS_Q)$(JS_HOST_CC) -o $@ $^ -lm -lpthread -ldl

.PHONY: test262 test262-update
test262: $(T262_RUN) $(T262_STAMP)
	$(JS_Q)sh $(JS_DIR)/tests/test262.sh $(T262_RUN) $(JS_SRC) $(T262_BUILD)/suite

test262-update: $(T262_RUN) $(T262_STAMP)
	$(JS_Q)sh $(JS_DIR)/tests/test262.sh $(T262_RUN) $(JS_SRC) $(T262_BUILD)/suite --update

# The kernel side (kernel/isolation/js.c) embeds struct js_arena: rebuild it with them.
$(BUILD)/arm64/kernel/isolation/js.c.o: $(JS_DIR)/arena.h $(JS_DIR)/js_app.h

# FTL: one Makefile for the kernel, the SDK, the apps, the tests and the tools.
# `make help` lists the targets. Output goes to build/. V=1 shows commands.

BUILD := build
.DEFAULT_GOAL := all
Q := $(if $(V),,@)

# The default boot image (`make run`) holds every app in apps/ except test and
# benchmark apps. Tests and benchmarks boot the same kernel with other app sets,
# packed at test time (tests/ftlboot.py).
# The pipe tools (docs/pipes.md) would use most of the default image's margin under its
# 1 MiB budget (tests/test_devloop.py): they boot in the `tools` image, `make run IMAGE=tools`.
TOOL_APPS := cat grep wc head tail sort tee yes seq rev cksum
NON_DEFAULT_APPS := test_% stress_% pingpong js_pingpong netsink linux_bench wasm_uname $(TOOL_APPS)
IMAGE ?= default

QEMU := qemu-system-aarch64

# ---- toolchains ----
TARGET_CC := clang --target=aarch64-none-elf
LD := ld.lld
OBJCOPY := llvm-objcopy
NM := llvm-nm
PICOLIBC := /usr/lib/picolibc/aarch64-linux-gnu
LIBGCC := $(shell ls /usr/lib/gcc-cross/aarch64-linux-gnu/*/libgcc.a 2>/dev/null | tail -n 1)
WARN := -std=c11 -Wall -Wextra -Werror

KERNEL_CFLAGS := $(WARN) -O2 -g -flto -ffreestanding -nostdlibinc -march=armv8.1-a -mgeneral-regs-only \
	-fno-stack-protector -fno-omit-frame-pointer -fno-pic -fno-pie -mcmodel=small \
	-Ikernel -Ikernel/arch/arm64 -Ilibs/c/ftl/include $(KERNEL_VARIANT_CFLAGS)
APP_CFLAGS := $(WARN) -O2 -g -nostdlibinc -isystem $(PICOLIBC)/include -march=armv8-a -fPIE \
	-ftls-model=local-exec -fno-stack-protector -fno-omit-frame-pointer -Ilibs/c/ftl/include \
	-Ilibs/c/ftltest/include

HOST_CC := clang
HOST_CFLAGS := $(WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Ikernel -Ikernel/arch/host -Ilibs/c/ftl/include

# Libraries apps can use (each .mk builds its library and host-tests it).
include libs/c/lwip/lwip.mk
include libs/c/uri/uri.mk
include libs/c/http/http.mk
include libs/c/ext2fs/ext2fs.mk
include libs/c/fsproto/fsproto.mk
include tools/disk.mk
include tools/linux.mk
# QuickJS for `isolation: js` (fetched into build/quickjs/ like lwIP).
include kernel/js/js.mk
# LZ4's decoder for the compressed kernel and initfs (fetched into build/lz4/).
include kernel/lz4/lz4.mk

# ---- kernel ----
KERNEL_CORE := $(wildcard kernel/*.c kernel/isolation/*.c kernel/vm/*.c)
# kernel/isolation/ glues the modes (and the engines) to the kernel: not in the host build.
# The WebAssembly engine is kernel code too; it alone may use floating point.
KERNEL_WASM := $(filter-out kernel/wasm/host_klib.c,$(wildcard kernel/wasm/*.c))
KERNEL_SRCS := $(KERNEL_CORE) $(wildcard kernel/lib/*.c) $(wildcard kernel/arch/arm64/*.c) \
	$(KERNEL_WASM) $(KERNEL_JS) $(KERNEL_LZ4)
KERNEL_ASM := $(wildcard kernel/arch/arm64/*.S)
KERNEL_OBJS := $(patsubst %,$(BUILD)/arm64/%.o,$(KERNEL_SRCS) $(KERNEL_ASM)) $(KERNEL_LZ4_LIB)
KERNEL_HDRS := $(wildcard kernel/*.h kernel/isolation/*.h kernel/vm/*.h kernel/arch/arm64/*.h libs/c/ftl/include/*.h libs/c/ftl/include/ftl/*.h)

$(BUILD)/arm64/%.c.o: %.c $(KERNEL_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(TARGET_CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/arm64/kernel/wasm/%.c.o: kernel/wasm/%.c $(KERNEL_HDRS) $(wildcard kernel/wasm/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(TARGET_CC) $(filter-out -mgeneral-regs-only,$(KERNEL_CFLAGS)) -fno-math-errno -c $< -o $@

# The JS engine's glue (kernel/js/js.mk): floating point, and QuickJS's headers.
$(BUILD)/arm64/kernel/js/%.c.o: kernel/js/%.c $(KERNEL_HDRS) $(wildcard kernel/js/*.h) \
		$(JS_PRELUDE_H) $(JS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(TARGET_CC) $(KERNEL_JS_CFLAGS) -c $< -o $@

$(BUILD)/arm64/%.S.o: %.S kernel/arch/arm64/asm.h
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(TARGET_CC) -march=armv8.1-a -Ikernel/arch/arm64 -c $< -o $@

# ---- SDK and apps ----
SDK_SRCS := $(wildcard libs/c/ftl/src/*.c)
SDK_OBJS := $(patsubst %,$(BUILD)/apps/%.o,$(SDK_SRCS))
# The string functions of picolibc's release build (Arm's optimized routines: memcpy
# moves 64 bytes a loop, memset uses DC ZVA where allowed), linked by every native app
# before libc.a: the default libc.a is built for size and moves a byte per loop turn (a
# 4 KiB memcpy: ~16,000 instructions, more than the kernel spends sending the message).
STRING_LIB := $(BUILD)/apps/libstring.a
STRING_OBJS := memcpy memmove memset memcmp memchr strlen strnlen strcmp strncmp strchr strcpy
$(STRING_LIB): $(PICOLIBC)/lib/release/libc.a
	@mkdir -p $(BUILD)/apps/string
	@echo "  AR      $@"
	$(Q)cd $(BUILD)/apps/string && rm -f *.o && \
		llvm-ar x $(PICOLIBC)/lib/release/libc.a $(patsubst %,%.S.o,$(STRING_OBJS))
	$(Q)rm -f $@ && llvm-ar rcs $@ $(patsubst %,$(BUILD)/apps/string/%.S.o,$(STRING_OBJS))
# Apps named test_* also get the in-OS test harness (libs/c/ftltest).
TEST_LIB_OBJS := $(patsubst %,$(BUILD)/apps/%.o,$(wildcard libs/c/ftltest/*.c))
SDK_HDRS := $(wildcard libs/c/ftl/include/*.h libs/c/ftl/include/ftl/*.h libs/c/ftltest/include/ftl/*.h)
ALL_APPS := $(notdir $(patsubst %/spec.yaml,%,$(wildcard apps/*/spec.yaml)))
DEFAULT_APPS := $(filter-out $(NON_DEFAULT_APPS),$(ALL_APPS))

$(BUILD)/apps/%.c.o: %.c $(SDK_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(TARGET_CC) $(APP_CFLAGS) $(APP_EXTRA_CFLAGS) -c $< -o $@

# An optional apps/<name>/app.mk adds to one app: APP_SRCS_<name> (more sources, e.g.
# from libs/c/), APP_CFLAGS_<name> (flags for its sources), APP_LIBS_<name> (archives
# to link, with the rules that build them).
-include $(wildcard apps/*/app.mk)

# Apps whose spec says `isolation: wasm` are WebAssembly modules: apps/<name>/*.c
# built with wasi-libc -> build/apps/<name>.wasm, packed as apps/<name>/app.wasm.
WASM_APP_NAMES := $(notdir $(patsubst %/spec.yaml,%,$(shell grep -l '^isolation: *wasm' apps/*/spec.yaml)))
WASI_CC := clang --target=wasm32-wasi --sysroot=/usr
WASI_CFLAGS := $(WARN) -O2 -Ilibs/c/ftl/include -Ikernel/wasm/sdk
# Apps whose spec says `isolation: js` are apps/<name>/main.js, packed as it is.
JS_APP_NAMES := $(notdir $(patsubst %/spec.yaml,%,$(shell grep -l '^isolation: *js' apps/*/spec.yaml)))
app_bin = $(if $(filter $(1),$(JS_APP_NAMES)),apps/$(1)/main.js,$(BUILD)/apps/$(1).$(if $(filter $(1),$(WASM_APP_NAMES)),wasm,elf))
app_key = $(if $(filter $(1),$(JS_APP_NAMES)),apps/$(1)/main.js,apps/$(1)/app.$(if $(filter $(1),$(WASM_APP_NAMES)),wasm,elf))

define wasm_app_rule
$(BUILD)/apps/$(1).wasm: $(wildcard apps/$(1)/*.c apps/$(1)/*.h) $(wildcard kernel/wasm/sdk/*.h)
	@mkdir -p $$(dir $$@)
	@echo "  WASMCC  $$@"
	$(Q)$(WASI_CC) $(WASI_CFLAGS) -o $$@ $(wildcard apps/$(1)/*.c)
endef
$(foreach a,$(WASM_APP_NAMES),$(eval $(call wasm_app_rule,$(a))))

# apps/<name>/*.c + the SDK + picolibc -> build/apps/<name>.elf (static PIE)
define app_rule
APP_OBJS_$(1) := $(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/$(1)/*.c) $(APP_SRCS_$(1)))
$$(APP_OBJS_$(1)): APP_EXTRA_CFLAGS := $(APP_CFLAGS_$(1))
$(BUILD)/apps/$(1).elf: $$(APP_OBJS_$(1)) $(SDK_OBJS) $(APP_LIBS_$(1)) $(STRING_LIB) \
		$(if $(filter test_%,$(1)),$(TEST_LIB_OBJS)) libs/c/ftl/app.ld
	@echo "  LD      $$@"
	$(Q)$(LD) -pie --no-dynamic-linker -z text -z norelro -z max-page-size=4096 --gc-sections \
		-z dead-reloc-in-nonalloc=.debug_*=0xffffffffffffffff \
		-T libs/c/ftl/app.ld \
		-o $$@ $$(filter %.o,$$^) $(APP_LIBS_$(1)) $(STRING_LIB) $(PICOLIBC)/lib/libc.a $(LIBGCC)
endef
$(foreach a,$(filter-out $(WASM_APP_NAMES) $(JS_APP_NAMES),$(ALL_APPS)),$(eval $(call app_rule,$(a))))

# ---- the kernel: one binary for every set of apps ----
# Apps are not linked into it: QEMU hands the kernel an initfs with -initrd. So an
# app change repacks the initfs (well under a second) and never relinks the LTO kernel.
# QEMU's -kernel boots build/kernel.bin: a small self-extracting stub and the kernel as
# an LZ4 frame (docs/booting.md); build/kernel-raw.bin is the kernel as it runs,
# build/kernel.elf the same with its symbols (gdb, addr2line).
KERNEL_ELF := $(BUILD)/kernel.elf
KERNEL_RAW := $(BUILD)/kernel-raw.bin
KERNEL_BIN := $(BUILD)/kernel.bin

# The kernel links QuickJS, picolibc's math and libgcc (128-bit division) after its own
# objects, so its mem*, str* and printf are the ones used (kernel/js/js.mk).
KERNEL_LIBS := $(JS_KLIB) $(JS_KLIBM) $(LIBGCC)

$(KERNEL_ELF): $(KERNEL_OBJS) $(JS_KLIB) $(JS_KLIBM) kernel/arch/arm64/linker.ld tools/ksyms.py
	@echo "  LD      $@"
	$(Q)$(LD) -nostdlib -T kernel/arch/arm64/linker.ld -o $@.pass1 $(KERNEL_OBJS) $(KERNEL_LIBS)
	$(Q)$(NM) -n $@.pass1 | python3 tools/ksyms.py > $@.ksyms.S
	$(Q)$(TARGET_CC) -c $@.ksyms.S -o $@.ksyms.o
	$(Q)$(LD) -nostdlib -T kernel/arch/arm64/linker.ld -o $@ $(KERNEL_OBJS) $@.ksyms.o $(KERNEL_LIBS)

$(KERNEL_RAW): $(KERNEL_ELF)
	$(Q)$(OBJCOPY) -O binary $< $@

$(KERNEL_BIN): $(KERNEL_RAW) $(ZIMAGE_STUB) tools/mkzimage.py tools/lz4frame.py
	@echo "  ZIMAGE  $@"
	$(Q)python3 tools/mkzimage.py $(ZIMAGE_STUB) $(KERNEL_RAW) $@

# ---- packed apps: stripped copies for the initfs ----
# build/apps/<name>.elf keeps its symbols and DWARF for gdb and addr2line;
# build/apps/packed/<name>.elf (or .wasm) is what boots.
packed_bin = $(if $(filter $(1),$(JS_APP_NAMES)),apps/$(1)/main.js,$(BUILD)/apps/packed/$(notdir $(call app_bin,$(1))))

$(BUILD)/apps/packed/%.elf: $(BUILD)/apps/%.elf
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) --strip-all $< $@

$(BUILD)/apps/packed/%.wasm: $(BUILD)/apps/%.wasm
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) --strip-all $< $@

# ---- boot images: an initfs of apps, booted with the kernel ----
# An app's app.mk may list more files for the initfs as APP_FILES_<name> := LEAF=PATH...:
# each is packed as apps/<name>/LEAF, which the app reads with ftl_vm_load (e.g. the
# linux app's guest kernel).
app_file_paths = $(foreach f,$(APP_FILES_$(1)),$(lastword $(subst =, ,$(f))))
app_file_args = $(foreach f,$(APP_FILES_$(1)),apps/$(1)/$(f))

# $(1) = image name, $(2) = apps -> build/images/$(1)/initfs.bin
define image_rule
$(BUILD)/images/$(1)/initfs.bin: $(foreach a,$(2),$(call packed_bin,$(a)) apps/$(a)/spec.yaml $(call app_file_paths,$(a))) tools/mkinitfs.py tools/lz4frame.py $(BUILD)/host/speccheck
	@mkdir -p $$(dir $$@)
	@echo "  INITFS  $$@: $(2)"
	$(Q)$(BUILD)/host/speccheck $(foreach a,$(2),apps/$(a)/spec.yaml)
	$(Q)python3 tools/mkinitfs.py $$@ $(foreach a,$(2),apps/$(a)/spec.yaml=apps/$(a)/spec.yaml $(call app_key,$(a))=$(call packed_bin,$(a)) $(call app_file_args,$(a)))
endef
$(eval $(call image_rule,default,$(DEFAULT_APPS)))
DEFAULT_INITFS := $(BUILD)/images/default/initfs.bin
$(eval $(call image_rule,tools,$(DEFAULT_APPS) $(TOOL_APPS)))
TOOLS_INITFS := $(BUILD)/images/tools/initfs.bin
APP_ELFS := $(foreach a,$(ALL_APPS),$(call app_bin,$(a)))
APP_PACKED := $(foreach a,$(ALL_APPS),$(call packed_bin,$(a)))

# ---- host builds: unit tests and tools ----
include tools/spec.mk
include kernel/wasm/wasm.mk

# The portable core minus what needs real memory, threads or the console.
HOST_EXCLUDE := kernel/mm.c kernel/main.c kernel/startup.c kernel/fault.c kernel/ksym.c \
	kernel/process.c kernel/syscall.c kernel/log.c kernel/initfs.c kernel/device.c \
	kernel/debugger.c kernel/console.c kernel/control.c kernel/trace.c kernel/handoff.c \
	kernel/syscall_msg.c
HOST_CORE := $(filter-out $(HOST_EXCLUDE),$(wildcard kernel/*.c)) $(wildcard kernel/arch/host/*.c)
UNIT_TESTS := $(filter-out spec_test,$(notdir $(basename $(wildcard kernel/tests/*_test.c))))

$(BUILD)/host/tests/%_test: kernel/tests/%_test.c $(HOST_CORE) $(wildcard kernel/*.h kernel/arch/host/*.h kernel/tests/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $< $(HOST_CORE) -lcmocka

# initfs.c is kept out of HOST_CORE (it holds the kernel's one archive); its test adds
# it, and the LZ4 frame reader (kernel/lz4/) with LZ4's decoder.
HOST_LZ4 := kernel/lz4/unlz4.c $(LZ4_HOST_OBJ)
HOST_LZ4_DEPS := kernel/lz4/unlz4.c kernel/lz4/unlz4.h kernel/tests/lz4_frame.h $(LZ4_HOST_OBJ)
$(BUILD)/host/tests/initfs_test: kernel/tests/initfs_test.c kernel/initfs.c kernel/initfs.h \
		$(HOST_LZ4_DEPS) $(HOST_CORE) $(wildcard kernel/*.h kernel/arch/host/*.h kernel/tests/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -I$(LZ4_SRC)/lib -o $@ $< kernel/initfs.c $(HOST_LZ4) $(HOST_CORE) -lcmocka

$(BUILD)/host/tests/unlz4_test: kernel/tests/unlz4_test.c $(HOST_LZ4_DEPS) $(HOST_CORE) \
		$(wildcard kernel/*.h kernel/arch/host/*.h kernel/tests/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -I$(LZ4_SRC)/lib -o $@ $< $(HOST_LZ4) $(HOST_CORE) -lcmocka

# ---- fuzzing ----
# libFuzzer targets for the parsers of untrusted bytes. Each has a committed corpus,
# tests/fuzz/<name>/seeds/ and crashes/ (every crash ever found, replayed by `make
# test`); tools/fuzz.sh runs them and prints executions and crashes per fuzzer.
FUZZ_CFLAGS := $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Ikernel -Ikernel/arch/host -Ilibs/c/ftl/include
# Seconds per fuzzer: make fuzz and fuzz-<name>; make test (two at a time); make test-slow.
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 20
FUZZ_SLOW_SECONDS ?= 300
FUZZERS := spec fdt elf initfs lz4 wasm wasm_app uri http frame fs js vgic linux

$(BUILD)/host/%_fuzz: kernel/tests/%_fuzz.c $(HOST_CORE)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(HOST_CC) $(FUZZ_CFLAGS) -o $@ $< $(HOST_CORE)

$(BUILD)/host/initfs_fuzz: kernel/tests/initfs_fuzz.c kernel/initfs.c kernel/initfs.h \
		kernel/lz4/unlz4.c kernel/lz4/unlz4.h $(LZ4_FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(HOST_CC) $(FUZZ_CFLAGS) -I$(LZ4_SRC)/lib -o $@ $< kernel/initfs.c kernel/lz4/unlz4.c \
		$(LZ4_FUZZ_OBJ)

# The LZ4 frame reader of the boot image and the initfs (kernel/lz4/unlz4.c).
$(BUILD)/host/lz4_fuzz: kernel/tests/lz4_fuzz.c kernel/tests/lz4_frame.h kernel/lz4/unlz4.c \
		kernel/lz4/unlz4.h $(LZ4_FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(HOST_CC) $(FUZZ_CFLAGS) -I$(LZ4_SRC)/lib -o $@ $< kernel/lz4/unlz4.c $(LZ4_FUZZ_OBJ)

# The virtual GIC a guest OS drives (kernel/vm/): portable C, fuzzed on its own.
$(BUILD)/host/vgic_fuzz: kernel/tests/vgic_fuzz.c kernel/vm/vgic.c kernel/vm/vgic.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(HOST_CC) $(FUZZ_CFLAGS) -o $@ $< kernel/vm/vgic.c $(HOST_CORE)

FUZZ_BIN_spec := build/host/spec_fuzz
FUZZ_BIN_fdt := $(BUILD)/host/fdt_fuzz
FUZZ_BIN_elf := $(BUILD)/host/elf_fuzz
FUZZ_BIN_initfs := $(BUILD)/host/initfs_fuzz
FUZZ_BIN_lz4 := $(BUILD)/host/lz4_fuzz
FUZZ_BIN_wasm := $(WASM_FUZZ_BIN)
FUZZ_BIN_wasm_app := $(WASM_APP_FUZZ_BIN)
FUZZ_BIN_uri := $(URI_BUILD)/uri_fuzz
FUZZ_BIN_http := $(HTTP_BUILD)/http_fuzz
FUZZ_BIN_frame := $(LWIP_FUZZ_BIN)
FUZZ_BIN_fs := $(FSPROTO_BUILD)/fsproto_fuzz
FUZZ_BIN_js := $(JS_FUZZ_BIN)
FUZZ_BIN_vgic := $(BUILD)/host/vgic_fuzz
FUZZ_BIN_linux := build/linuxvmm/linux_fuzz
FUZZ_BINS := $(foreach f,$(FUZZERS),$(FUZZ_BIN_$(f)))
# Input size caps while fuzzing (committed inputs always replay whole).
export FUZZ_FLAGS_spec := -max_len=4096
export FUZZ_FLAGS_lz4 := -max_len=4096
export FUZZ_FLAGS_wasm := -max_len=8192
export FUZZ_FLAGS_wasm_app := -max_len=8192
export FUZZ_FLAGS_uri := -max_len=128
export FUZZ_FLAGS_http := -max_len=4096
export FUZZ_FLAGS_frame := -max_len=1514
export FUZZ_FLAGS_fs := -max_len=4096
export FUZZ_FLAGS_js := -max_len=4096
export FUZZ_FLAGS_vgic := -max_len=2048
export FUZZ_FLAGS_linux := -max_len=4096
fuzz_args = $(foreach f,$(1),$(f)=$(FUZZ_BIN_$(f)))

define fuzz_rule
.PHONY: fuzz-$(1)
fuzz-$(1): $(FUZZ_BIN_$(1))
	$(Q)tools/fuzz.sh run $$(FUZZ_SECONDS) $(1)=$(FUZZ_BIN_$(1))
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))

.PHONY: fuzz fuzz-bins test-fuzz fuzz-replay
fuzz-bins: $(FUZZ_BINS)

# Every fuzzer for FUZZ_SECONDS each, one at a time; a table at the end.
fuzz: $(FUZZ_BINS)
	$(Q)tools/fuzz.sh run $(FUZZ_SECONDS) $(call fuzz_args,$(FUZZERS))

# The fuzz layer of `make test`: every committed input, then FUZZ_TEST_SECONDS each.
test-fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_JOBS=2 tools/fuzz.sh run $(FUZZ_TEST_SECONDS) $(call fuzz_args,$(FUZZERS))

# Only the committed inputs (seeds and every crash found so far): a few seconds.
fuzz-replay: $(FUZZ_BINS)
	$(Q)tools/fuzz.sh replay $(call fuzz_args,$(FUZZERS))

# ---- user-facing targets ----
.PHONY: all setup run dev debug default-image bench-devloop test test-unit test-os test-e2e test-slow bench fmt fmt-check clean help images

all: images

setup:
	$(Q)tools/setup.sh

# Everything a boot needs: the kernel, the default initfs, every app (full and
# packed), the spec checker.
images: setup $(KERNEL_BIN) $(DEFAULT_INITFS) $(TOOLS_INITFS) $(APP_ELFS) $(APP_PACKED) $(BUILD)/host/speccheck \
		$(BUILD)/listen_backlog.so $(DISK_IMG)

# What `make run`, `make dev` and `make debug` boot: the kernel and the default apps.
default-image: $(KERNEL_BIN) $(DEFAULT_INITFS) $(foreach a,$(DEFAULT_APPS),$(call app_bin,$(a))) \
		$(BUILD)/listen_backlog.so $(DISK_IMG)

# Preloaded into QEMU by tools/run.sh: a listen backlog of 128 on forwarded ports.
$(BUILD)/listen_backlog.so: tools/listen_backlog.c
	@mkdir -p $(dir $@)
	$(Q)cc -std=c11 -Wall -Wextra -Werror -O2 -shared -fPIC -o $@ $< -ldl

# The apiserver's dashboard is forwarded to http://127.0.0.1:$(DASHBOARD_PORT)/ (loopback only).
DASHBOARD_PORT ?= 30080

# EL=1 boots at EL1 as a VM is booted (no virtualization=on), GIC=2 with a GICv2,
# VIRTIO=pci with the network and disk as virtio-pci devices (docs/booting.md).
run: setup default-image $(if $(filter tools,$(IMAGE)),$(TOOLS_INITFS))
	$(Q)FTL_HOSTFWD_PORT=$(DASHBOARD_PORT) $(if $(EL),FTL_EL=$(EL)) $(if $(GIC),FTL_GIC=$(GIC)) \
		$(if $(VIRTIO),FTL_VIRTIO=$(VIRTIO)) tools/run.sh $(KERNEL_BIN) \
		-initrd $(BUILD)/images/$(IMAGE)/initfs.bin

# Rebuilds and reboots on every save under kernel/, libs/ and apps/ (Ctrl-C stops).
dev: setup
	$(Q)FTL_HOSTFWD_PORT=$(DASHBOARD_PORT) tools/dev.sh

# QEMU with its gdbstub, stopped before the first instruction, and gdb-multiarch with
# the kernel's and the apps' symbols. APP=<name> stops at that app's app_main.
debug: setup default-image
	$(Q)python3 tools/debug.py $(if $(APP),--app $(APP))

test: setup
	$(Q)tools/test.sh

test-unit: setup $(patsubst %,$(BUILD)/host/tests/%,$(UNIT_TESTS)) $(BUILD)/host/tests/spec_test \
		$(BUILD)/host/virt.dtb $(BUILD)/apps/hello.elf
	$(Q)set -e; for t in $(UNIT_TESTS) spec_test; do echo "== $$t"; \
		FTL_TEST_DTB=$(BUILD)/host/virt.dtb FTL_TEST_APP_ELF=$(BUILD)/apps/hello.elf \
		$(BUILD)/host/tests/$$t; done
	$(Q)$(MAKE) --no-print-directory test-uri test-http test-lwip test-wasm-unit test-fsproto \
		test-lineedit test-linux

# The device tree QEMU gives the kernel, for the fdt unit tests.
$(BUILD)/host/virt.dtb:
	@mkdir -p $(dir $@)
	$(Q)timeout 20 $(QEMU) -M virt,virtualization=on,gic-version=3,dumpdtb=$@ -cpu max -m 256M -nographic -nic none >/dev/null

PYTEST := /usr/bin/python3 -m pytest -q -p no:cacheprovider

test-os: images
	$(Q)$(PYTEST) tests/test_os.py

# test_js262.py runs a sample of test262 inside FTL: the suite must be fetched, and it
# boots build/t262/kernel.bin.
test-e2e: images $(BUILD)/wasm/wasi/bad_import.wasm $(T262_STAMP) $(BUILD)/t262/kernel.bin
	$(Q)$(PYTEST) tests --ignore=tests/test_os.py --ignore=tests/slow

# Slow suites, not part of `make test`: a million random kernel calls, then every
# fuzzer for FUZZ_SLOW_SECONDS (5 min) each, two at a time.
test-slow: images $(FUZZ_BINS) $(T262_STAMP) $(BUILD)/t262/kernel.bin
	$(Q)$(PYTEST) -s tests/slow
	$(Q)$(MAKE) --no-print-directory test262
	$(Q)FUZZ_JOBS=2 tools/fuzz.sh run $(FUZZ_SLOW_SECONDS) $(call fuzz_args,$(FUZZERS))

# The kernel with ftl.test262 (kernel/js/test262_host.c) for test262 inside FTL
# (tests/test_js262.py); the default kernel leaves that test hook out.
$(BUILD)/t262/kernel.bin: $(KERNEL_SRCS) $(KERNEL_ASM) $(KERNEL_HDRS) $(wildcard kernel/js/*.h)
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/t262 \
		KERNEL_VARIANT_CFLAGS=-DFTL_JS_TEST262 $(BUILD)/t262/kernel.bin

# make bench measures what kernel-memory accounting costs a message against this
# variant, with the accounting compiled out (kernel/kmem.h); nothing else boots it.
$(BUILD)/noacct/kernel.bin: $(KERNEL_SRCS) $(KERNEL_ASM) $(KERNEL_HDRS)
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/noacct \
		KERNEL_VARIANT_CFLAGS=-DFTL_BENCH_NO_ACCOUNTING $(BUILD)/noacct/kernel.bin

bench: images $(BUILD)/noacct/kernel.bin $(JS_RUN_BIN)
	$(Q)/usr/bin/python3 tools/bench.py
	$(Q)/usr/bin/python3 tools/bench_js.py
	$(Q)/usr/bin/python3 tools/bench_octane.py
	$(Q)/usr/bin/python3 tools/bench_net.py
	$(Q)/usr/bin/python3 tools/bench_vmm.py
	$(Q)/usr/bin/python3 tools/bench_linux.py
	$(Q)/usr/bin/python3 tools/bench_fs.py
	$(Q)/usr/bin/python3 tools/bench_pipes.py
	$(Q)$(MAKE) --no-print-directory bench-wasm

# Storage alone: FTL's fs server against Linux on the same virtio-blk disk (make bench runs it).
.PHONY: bench-fs
bench-fs: images
	$(Q)/usr/bin/python3 tools/bench_fs.py

# The image size table and edit->boot alone (make bench runs them too).
bench-devloop: images
	$(Q)/usr/bin/python3 tools/bench_devloop.py

fmt:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

fmt-check:
	$(Q)clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

help:
	@echo "make run        build and boot FTL in QEMU with the default apps (Ctrl-A X quits)"
	@echo "                EL=1: at EL1 as in a VM; GIC=2: with a GICv2 (docs/booting.md)"
	@echo "                VIRTIO=pci: network and disk as virtio-pci devices"
	@echo "                IMAGE=tools: with the pipe tools, cat grep wc ... (docs/pipes.md)"
	@echo "make dev        rebuild and reboot on every save (kernel/, libs/, apps/)"
	@echo "make debug      boot under gdb with every symbol; APP=hello stops in its app_main"
	@echo "make test       every test: host unit tests, fuzzers, in-OS tests, end-to-end tests"
	@echo "make test-unit  host unit tests of the kernel core (ASan + UBSan)"
	@echo "make test-os    in-OS test apps on QEMU"
	@echo "make test-e2e   pytest end-to-end tests"
	@echo "make test-slow  slow suites (a million random kernel calls, test262, 5 min per fuzzer)"
	@echo "make test-js    the JS app runtime on the host (js-run); make test262: QuickJS on test262"
	@echo "make test-fuzz  every fuzzer: committed crash inputs and seeds, then 20 s each"
	@echo "make test-wasm  the WebAssembly engine against the official spec suite"
	@echo "make test-wasi  WASI programs on the engine, compared with node:wasi"
	@echo "make fuzz       every fuzzer for FUZZ_SECONDS (60) each, with a summary table"
	@echo "make bench      benchmarks (guest-clock time under -icount)"
	@echo "make linux-guest  the Linux VM's kernel and initramfs in build/linux (docs/linux-guest.md)"
	@echo "make bench-fs   storage alone: fs server vs Linux ext4, MB/s and files/s"
	@echo "make disk-image-new  make build/disk.img again from disk/ (what apps wrote is lost)"

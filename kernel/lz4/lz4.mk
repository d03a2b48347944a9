# LZ4, for the compressed boot image (docs/booting.md), included by the main Makefile.
# The block decoder is lib/lz4.c from Debian's `lz4` source package at a pinned
# version, fetched into build/lz4/ (never committed) by kernel/lz4/fetch.sh, built
# freestanding; kernel/lz4/unlz4.c reads the frame around the blocks. It is built
#   into the kernel            the initfs's compressed part (kernel/initfs.c)
#   into the kernel's stub     build/kernel.bin decompresses build/kernel-raw.bin
#                              (kernel/arch/arm64/zimage/, tools/mkzimage.py)
#   for the host               unit test (ASan + UBSan) and fuzzer
# The host side compresses with Debian's `lz4` command (tools/mkinitfs.py, mkzimage.py).

LZ4_VERSION := 1.9.4-1
LZ4_BUILD := build/lz4
LZ4_SRC := $(LZ4_BUILD)/lz4-$(firstword $(subst -, ,$(LZ4_VERSION)))
LZ4_STAMP := $(LZ4_SRC)/.ftl-fetched-$(LZ4_VERSION)
LZ4_C := $(LZ4_SRC)/lib/lz4.c
# No libc: LZ4's own switch, and only the decoder is ever linked (LTO, --gc-sections).
LZ4_DEFS := -DLZ4_FREESTANDING=1 -DLZ4_FAST_DEC_LOOP=1 -DLZ4_memcpy=__builtin_memcpy -DLZ4_memmove=__builtin_memmove \
	-DLZ4_memset=__builtin_memset

$(LZ4_STAMP):
	$(Q)kernel/lz4/fetch.sh $(LZ4_BUILD)

.PHONY: lz4-fetch
lz4-fetch: $(LZ4_STAMP)

# ---- in the kernel ----
KERNEL_LZ4 := kernel/lz4/unlz4.c
KERNEL_LZ4_LIB := $(BUILD)/arm64/lz4/lz4.c.o

$(BUILD)/arm64/kernel/lz4/%.c.o: kernel/lz4/%.c kernel/lz4/unlz4.h libs/c/ftl/include/ftl/abi.h $(LZ4_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(TARGET_CC) $(KERNEL_CFLAGS) -I$(LZ4_SRC)/lib -c $< -o $@

$(KERNEL_LZ4_LIB): $(LZ4_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      lz4/lib/lz4.c"
	$(Q)$(TARGET_CC) $(filter-out -Werror,$(KERNEL_CFLAGS)) -w $(LZ4_DEFS) -c $(LZ4_C) -o $@

# ---- the self-extracting kernel's stub ----
ZIMAGE_DIR := kernel/arch/arm64/zimage
ZIMAGE_CFLAGS := $(WARN) -O2 -ffreestanding -fno-builtin -nostdlibinc -march=armv8-a \
	-mgeneral-regs-only -fno-stack-protector -fno-pic -fno-pie -mcmodel=small \
	-ffunction-sections -fdata-sections -Ikernel/lz4 -I$(LZ4_SRC)/lib -Ilibs/c/ftl/include
ZIMAGE_OBJS := $(BUILD)/zimage/head.S.o $(BUILD)/zimage/zimage.c.o $(BUILD)/zimage/unlz4.c.o \
	$(BUILD)/zimage/lz4.c.o
ZIMAGE_STUB := $(BUILD)/zimage/stub.bin

$(BUILD)/zimage/head.S.o: $(ZIMAGE_DIR)/head.S kernel/arch/arm64/asm.h
	@mkdir -p $(dir $@)
	$(Q)$(TARGET_CC) -march=armv8-a -Ikernel/arch/arm64 -c $< -o $@

$(BUILD)/zimage/zimage.c.o: $(ZIMAGE_DIR)/zimage.c kernel/lz4/unlz4.h $(LZ4_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(TARGET_CC) $(ZIMAGE_CFLAGS) -c $< -o $@

$(BUILD)/zimage/unlz4.c.o: kernel/lz4/unlz4.c kernel/lz4/unlz4.h $(LZ4_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(TARGET_CC) $(ZIMAGE_CFLAGS) -c $< -o $@

$(BUILD)/zimage/lz4.c.o: $(LZ4_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(TARGET_CC) $(filter-out -Werror,$(ZIMAGE_CFLAGS)) -w $(LZ4_DEFS) -c $(LZ4_C) -o $@

$(ZIMAGE_STUB): $(ZIMAGE_OBJS) $(ZIMAGE_DIR)/zimage.ld
	$(Q)$(LD) -nostdlib --gc-sections -T $(ZIMAGE_DIR)/zimage.ld -o $(BUILD)/zimage/stub.elf $(ZIMAGE_OBJS)
	$(Q)$(OBJCOPY) -O binary $(BUILD)/zimage/stub.elf $@

# ---- on the host ----
LZ4_HOST_OBJ := $(BUILD)/host/lz4/lz4.o
LZ4_FUZZ_OBJ := $(BUILD)/host/lz4/lz4-fuzz.o

$(LZ4_HOST_OBJ): $(LZ4_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -w -c $(LZ4_C) -o $@

$(LZ4_FUZZ_OBJ): $(LZ4_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -w \
		-c $(LZ4_C) -o $@

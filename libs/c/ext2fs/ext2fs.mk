# libext2fs for FTL, included by the main Makefile. The source comes from Debian's
# `e2fsprogs` source package at a pinned version, fetched into build/ext2fs/ (never
# committed) by libs/c/ext2fs/fetch.sh, and is built freestanding for apps (static PIE,
# linked with picolibc) with the hand-written libs/c/ext2fs/include/config.h:
#   build/ext2fs/libext2fs-aarch64.a
# The few files e2fsprogs' own build generates are made here too, into build/ext2fs/gen/:
# ext2fs/ext2_types.h (sizes of C types), ext2fs/ext2_err.h and ext2_err.c (the error
# table, with lib/et's awk scripts) and crc32c_table.h (by a host build of
# gen_crc32ctable.c). The I/O manager that reaches the disk is not here but in the app
# that uses the library (apps/fs/blkio.c): unix_io and the other OS-facing files of
# lib/ext2fs are left out. Also usable alone: make -f libs/c/ext2fs/ext2fs.mk <target>.
# An app links it by adding to its app.mk: EXT2FS_APP_CFLAGS and the archive.

E2FS_VERSION := 1.47.0-2
E2FS_DIR := libs/c/ext2fs
E2FS_BUILD := build/ext2fs
E2FS_SRC := $(E2FS_BUILD)/e2fsprogs-$(firstword $(subst -, ,$(E2FS_VERSION)))
E2FS_STAMP := $(E2FS_SRC)/.ftl-fetched-$(E2FS_VERSION)
E2FS_GEN := $(E2FS_BUILD)/gen
E2FS_Q := $(if $(V),,@)
E2FS_PICOLIBC := /usr/lib/picolibc/aarch64-linux-gnu

# lib/ext2fs without the OS-facing files (unix_io, getsize, ismounted, ...), the
# image formats (qcow2, e2image, undo, sparse), TDB and the test programs; crc32c is
# ours (crc32c.c: the CPU's CRC32 instructions instead of tables).
E2FS_FILES := alloc alloc_sb alloc_stats alloc_tables badblocks bb_inode bitmaps bitops \
	blkmap64_ba blkmap64_rb blknum block bmap check_desc closefs crc16 csum dblist \
	dblist_dir dirblock dirhash dir_iterate expanddir ext_attr extent fallocate fileio \
	freefs gen_bitmap gen_bitmap64 get_num_dirs get_pathname hashmap i_block icount \
	ind_block initialize inline inline_data inode io_manager link lookup mkdir mmp namei \
	native newdir nls_utf8 openfs orphan punch res_gdt rw_bitmaps sha512 swapfs symlink \
	unlink valid_blk version rbtree read_bb mkjournal
E2FS_GEN_HDRS := $(E2FS_GEN)/ext2fs/ext2_types.h $(E2FS_GEN)/ext2fs/ext2_err.h \
	$(E2FS_GEN)/crc32c_table.h

# What an app that uses libext2fs compiles with (its headers need config.h first).
EXT2FS_APP_CFLAGS := -include $(E2FS_DIR)/include/config.h -I$(E2FS_DIR)/include \
	-I$(E2FS_GEN) -I$(E2FS_SRC)/lib

E2FS_TARGET_CC := clang --target=aarch64-none-elf
# Third-party code: its warnings are not ours to fix (-w); gnu11 as e2fsprogs expects.
E2FS_TARGET_CFLAGS := -std=gnu11 -w -O2 -g -ffreestanding -nostdlibinc \
	-isystem $(E2FS_PICOLIBC)/include -fPIE -march=armv8-a -ftls-model=local-exec \
	-fno-stack-protector -fno-omit-frame-pointer -ffunction-sections -fdata-sections \
	$(EXT2FS_APP_CFLAGS) -I$(E2FS_SRC)/lib/ext2fs
E2FS_TARGET_OBJS := $(patsubst %,$(E2FS_BUILD)/aarch64/%.o,$(E2FS_FILES)) \
	$(E2FS_BUILD)/aarch64/ext2_err.o $(E2FS_BUILD)/aarch64/ftl/port.o \
	$(E2FS_BUILD)/aarch64/ftl/crc32c.o

$(E2FS_STAMP):
	$(E2FS_Q)$(E2FS_DIR)/fetch.sh $(E2FS_BUILD)

.PHONY: ext2fs-fetch ext2fs
ext2fs-fetch: $(E2FS_STAMP)

$(E2FS_GEN)/ext2fs/ext2_types.h: $(E2FS_STAMP)
	@mkdir -p $(@D)
	$(E2FS_Q)sed -e 's/@ASM_TYPES_HEADER@//; s/@PUBLIC_CONFIG_HEADER@//' \
		-e 's/@SIZEOF_INT@/4/g; s/@SIZEOF_LONG@/8/g; s/@SIZEOF_LONG_LONG@/8/g' \
		-e 's/@SIZEOF_SHORT@/2/g' $(E2FS_SRC)/lib/ext2fs/ext2_types.h.in > $@

$(E2FS_GEN)/ext2_err.et: $(E2FS_STAMP)
	@mkdir -p $(@D)
	$(E2FS_Q)sed 's/@E2FSPROGS_VERSION@/$(firstword $(subst -, ,$(E2FS_VERSION)))/' \
		$(E2FS_SRC)/lib/ext2fs/ext2_err.et.in > $@

$(E2FS_GEN)/ext2fs/ext2_err.h: $(E2FS_GEN)/ext2_err.et
	@mkdir -p $(@D)
	$(E2FS_Q)awk -f $(E2FS_SRC)/lib/et/et_h.awk outfile=$@ outfn=ext2_err.h $<

$(E2FS_GEN)/ext2_err.c: $(E2FS_GEN)/ext2_err.et
	$(E2FS_Q)awk -f $(E2FS_SRC)/lib/et/et_c.awk outfile=$@ outfn=ext2_err.c $<

$(E2FS_GEN)/crc32c_table.h: $(E2FS_STAMP) $(E2FS_DIR)/include/config.h
	@mkdir -p $(@D)
	$(E2FS_Q)cc -O2 -include $(E2FS_DIR)/include/config.h -I$(E2FS_SRC)/lib/ext2fs \
		-o $(E2FS_GEN)/gen_crc32ctable $(E2FS_SRC)/lib/ext2fs/gen_crc32ctable.c
	$(E2FS_Q)$(E2FS_GEN)/gen_crc32ctable > $@

$(E2FS_BUILD)/aarch64/ext2_err.o: $(E2FS_GEN)/ext2_err.c $(E2FS_GEN_HDRS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(E2FS_Q)$(E2FS_TARGET_CC) $(E2FS_TARGET_CFLAGS) -c $< -o $@

# Ours: com_err and gettimeofday for picolibc (port.c).
$(E2FS_BUILD)/aarch64/ftl/port.o: $(E2FS_DIR)/port.c $(E2FS_GEN_HDRS) $(E2FS_DIR)/include/config.h
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(E2FS_Q)$(E2FS_TARGET_CC) $(E2FS_TARGET_CFLAGS) -Wall -Wextra -Werror -c $< -o $@

# Ours: CRC32C with the CRC32 instructions (crc32c.c).
$(E2FS_BUILD)/aarch64/ftl/crc32c.o: $(E2FS_DIR)/crc32c.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(E2FS_Q)$(E2FS_TARGET_CC) $(E2FS_TARGET_CFLAGS) -march=armv8-a+crc -Wall -Wextra -Werror \
		-c $< -o $@

$(E2FS_BUILD)/aarch64/%.o: $(E2FS_GEN_HDRS) $(E2FS_DIR)/include/config.h $(E2FS_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      ext2fs/$*.c")
	$(E2FS_Q)$(E2FS_TARGET_CC) $(E2FS_TARGET_CFLAGS) -c $(E2FS_SRC)/lib/ext2fs/$*.c -o $@

$(E2FS_BUILD)/libext2fs-aarch64.a: $(E2FS_TARGET_OBJS)
	@$(if $(V),,echo "  AR      $@")
	$(E2FS_Q)rm -f $@ && llvm-ar rcs $@ $^

ext2fs: $(E2FS_BUILD)/libext2fs-aarch64.a


# The disk image `make run` and the tests attach as a virtio-blk device: an ext4 file
# system made by Debian's mke2fs from the disk/ folder (docs/fs.md).
#
# build/disk.img is the machine's disk: what apps write to it stays across `make run`s.
# It is made once, and made again (losing what was written) only when the content of
# disk/ changes: build/disk.src lists disk/'s files with their checksums and is
# rewritten only when that list differs, so QEMU writing the image (which makes it
# newer than everything) never hides a change to disk/. `make clean` or
# `make disk-image-new` starts over from disk/.
DISK_IMG := $(BUILD)/disk.img
DISK_SRC := $(BUILD)/disk.src
DISK_SIZE_MIB ?= 256

.PHONY: disk-image disk-image-new FORCE
$(DISK_SRC): FORCE
	@mkdir -p $(@D)
	$(Q)(cd disk && find . -print0 | sort -z | xargs -0 -n 64 sh -c \
		'for f; do if [ -f "$$f" ]; then sha256sum "$$f"; else echo "dir $$f"; fi; done' sh) \
		> $@.new; \
	if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

# ext4 without a journal (libext2fs, which the fs server writes with, keeps none):
# 4 KiB blocks, no reserved blocks, files owned by root.
$(DISK_IMG): $(DISK_SRC)
	@echo "  MKE2FS  $@ from disk/"
	$(Q)rm -f $@.tmp && truncate -s $(DISK_SIZE_MIB)M $@.tmp
	$(Q)mke2fs -q -F -t ext4 -O ^has_journal -b 4096 -m 0 -L ftl -E root_owner=0:0 \
		-d disk $@.tmp
	$(Q)mv $@.tmp $@

disk-image: $(DISK_IMG)

disk-image-new:
	$(Q)rm -f $(DISK_IMG) $(DISK_SRC)
	$(Q)$(MAKE) --no-print-directory $(DISK_IMG)

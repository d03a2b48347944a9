# FTL's Linux guest (docs/linux-guest.md): Debian's arm64 cloud kernel and an
# initramfs with busybox-static, the virtio modules and the agent as /init.
#   make linux-guest   -> build/linux/Image, build/linux/initramfs.cpio
# The Debian packages are fetched once (pinned in tools/linux_fetch.py); the agent is
# a static Linux program built with Debian's aarch64 cross gcc, never part of FTL.

LINUX_GUEST := $(BUILD)/linux
LINUX_GUEST_CC := aarch64-linux-gnu-gcc
LINUX_GUEST_CFLAGS := -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
LINUX_AGENT_SRCS := $(wildcard apps/linux/guest/*.c)
LINUX_AGENT_HDRS := $(wildcard apps/linux/guest/*.h) apps/linux/agent_proto.h

$(LINUX_GUEST)/fetched.json: tools/linux_fetch.py tools/linux_guest.py
	@mkdir -p $(dir $@)
	$(Q)python3 tools/linux_guest.py fetch

$(LINUX_GUEST)/agent: $(LINUX_AGENT_SRCS) $(LINUX_AGENT_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(LINUX_GUEST_CC) $(LINUX_GUEST_CFLAGS) -o $@ $(LINUX_AGENT_SRCS)
	$(Q)aarch64-linux-gnu-strip $@

$(LINUX_GUEST)/initramfs.cpio: $(LINUX_GUEST)/agent $(LINUX_GUEST)/fetched.json tools/linux_guest.py
	$(Q)python3 tools/linux_guest.py initramfs

linux-guest: setup $(LINUX_GUEST)/initramfs.cpio

# The guest checks boot it directly on QEMU (tests/slow/test_linux_guest.py).
test-slow: linux-guest

.PHONY: linux-guest

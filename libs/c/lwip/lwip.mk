# lwIP for FTL, included by the main Makefile. lwIP's source comes from Debian's `lwip`
# source package at a pinned version, fetched into build/lwip/ (never committed) by
# libs/c/lwip/fetch.sh, and is built twice with libs/c/lwip/include/lwipopts.h:
#   build/lwip/liblwip-aarch64.a   freestanding, for apps (static PIE, linked with picolibc)
#   build/lwip/liblwip-host.a      native with ASan + UBSan, for host tests
#   make test-lwip                 the cmocka tests in libs/c/lwip/tests/
# Also usable alone: make -f libs/c/lwip/lwip.mk <target>. V=1 shows the commands.
# An app links it by adding to its app.mk: LWIP_APP_CFLAGS and build/lwip/liblwip-aarch64.a.

LWIP_VERSION := 2.1.3+dfsg1-2
LWIP_DIR := libs/c/lwip
LWIP_BUILD := build/lwip
LWIP_SRC := $(LWIP_BUILD)/lwip-$(firstword $(subst -, ,$(LWIP_VERSION)))
LWIP_STAMP := $(LWIP_SRC)/.ftl-fetched-$(LWIP_VERSION)
LWIP_Q := $(if $(V),,@)
LWIP_PICOLIBC := /usr/lib/picolibc/aarch64-linux-gnu

# The NO_SYS=1 raw-API core: IPv4, TCP, UDP, ARP, DHCP, ICMP, Ethernet.
LWIP_CORE := core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c \
	core/tcp_out.c core/timeouts.c core/udp.c core/ipv4/dhcp.c core/ipv4/etharp.c \
	core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
	netif/ethernet.c
LWIP_PORT := $(LWIP_DIR)/port.c $(LWIP_DIR)/rxq.c $(LWIP_DIR)/hooks.c
LWIP_HDRS := $(wildcard $(LWIP_DIR)/include/*.h $(LWIP_DIR)/include/*/*.h)

# What an app (or a test) that uses lwIP compiles with.
LWIP_INCLUDES := -I$(LWIP_DIR)/include -I$(LWIP_SRC)/src/include -Ilibs/c/ftl/include
LWIP_APP_CFLAGS := $(LWIP_INCLUDES)

LWIP_WARN := -std=c11 -Wall -Wextra -Werror
LWIP_TARGET_CC := clang --target=aarch64-none-elf
LWIP_TARGET_CFLAGS := $(LWIP_WARN) -O2 -g -ffreestanding -nostdlibinc \
	-isystem $(LWIP_PICOLIBC)/include -fPIE -march=armv8-a -ftls-model=local-exec \
	-fno-stack-protector -fno-omit-frame-pointer $(LWIP_INCLUDES)
LWIP_HOST_CC := clang
LWIP_HOST_CFLAGS := $(LWIP_WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer $(LWIP_INCLUDES)

LWIP_TARGET_OBJS := $(patsubst %.c,$(LWIP_BUILD)/aarch64/%.o,$(LWIP_CORE)) \
	$(patsubst $(LWIP_DIR)/%.c,$(LWIP_BUILD)/aarch64/port/%.o,$(LWIP_PORT))
LWIP_HOST_OBJS := $(patsubst %.c,$(LWIP_BUILD)/host/%.o,$(LWIP_CORE)) \
	$(patsubst $(LWIP_DIR)/%.c,$(LWIP_BUILD)/host/port/%.o,$(LWIP_PORT))

# libFuzzer on frames (tests/frame_fuzz.c): lwIP built a third time with coverage.
LWIP_FUZZ_CFLAGS := $(LWIP_WARN) -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(LWIP_INCLUDES)
LWIP_FUZZ_OBJS := $(patsubst %.c,$(LWIP_BUILD)/fuzz/%.o,$(LWIP_CORE)) \
	$(patsubst $(LWIP_DIR)/%.c,$(LWIP_BUILD)/fuzz/port/%.o,$(LWIP_PORT))
LWIP_FUZZ_BIN := $(LWIP_BUILD)/frame_fuzz

LWIP_TESTS := lwip_test
LWIP_TEST_SRCS := $(LWIP_DIR)/tests/netpair.c
LWIP_TEST_HDRS := $(LWIP_DIR)/tests/netpair.h

$(LWIP_STAMP):
	$(LWIP_Q)$(LWIP_DIR)/fetch.sh $(LWIP_BUILD)

.PHONY: lwip-fetch
lwip-fetch: $(LWIP_STAMP)

$(LWIP_BUILD)/aarch64/port/%.o: $(LWIP_DIR)/%.c $(LWIP_HDRS) $(LWIP_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(LWIP_Q)$(LWIP_TARGET_CC) $(LWIP_TARGET_CFLAGS) -c $< -o $@

$(LWIP_BUILD)/aarch64/%.o: $(LWIP_HDRS) $(LWIP_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      lwip/$*.c")
	$(LWIP_Q)$(LWIP_TARGET_CC) $(LWIP_TARGET_CFLAGS) -c $(LWIP_SRC)/src/$*.c -o $@

$(LWIP_BUILD)/host/port/%.o: $(LWIP_DIR)/%.c $(LWIP_HDRS) $(LWIP_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  HOSTCC  $<")
	$(LWIP_Q)$(LWIP_HOST_CC) $(LWIP_HOST_CFLAGS) -c $< -o $@

$(LWIP_BUILD)/host/%.o: $(LWIP_HDRS) $(LWIP_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  HOSTCC  lwip/$*.c")
	$(LWIP_Q)$(LWIP_HOST_CC) $(LWIP_HOST_CFLAGS) -c $(LWIP_SRC)/src/$*.c -o $@

$(LWIP_BUILD)/fuzz/port/%.o: $(LWIP_DIR)/%.c $(LWIP_HDRS) $(LWIP_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  FUZZCC  $<")
	$(LWIP_Q)$(LWIP_HOST_CC) $(LWIP_FUZZ_CFLAGS) -c $< -o $@

$(LWIP_BUILD)/fuzz/%.o: $(LWIP_HDRS) $(LWIP_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  FUZZCC  lwip/$*.c")
	$(LWIP_Q)$(LWIP_HOST_CC) $(LWIP_FUZZ_CFLAGS) -c $(LWIP_SRC)/src/$*.c -o $@

$(LWIP_BUILD)/liblwip-fuzz.a: $(LWIP_FUZZ_OBJS)
	@$(if $(V),,echo "  AR      $@")
	$(LWIP_Q)rm -f $@ && llvm-ar rcs $@ $^

$(LWIP_FUZZ_BIN): $(LWIP_DIR)/tests/frame_fuzz.c $(LWIP_TEST_SRCS) $(LWIP_TEST_HDRS) \
		$(LWIP_BUILD)/liblwip-fuzz.a
	@mkdir -p $(@D)
	@$(if $(V),,echo "  FUZZCC  $@")
	$(LWIP_Q)$(LWIP_HOST_CC) $(LWIP_FUZZ_CFLAGS) -fsanitize=fuzzer -I$(LWIP_DIR)/tests -o $@ \
		$< $(LWIP_TEST_SRCS) $(LWIP_BUILD)/liblwip-fuzz.a

$(LWIP_BUILD)/liblwip-aarch64.a: $(LWIP_TARGET_OBJS)
	@$(if $(V),,echo "  AR      $@")
	$(LWIP_Q)rm -f $@ && llvm-ar rcs $@ $^

$(LWIP_BUILD)/liblwip-host.a: $(LWIP_HOST_OBJS)
	@$(if $(V),,echo "  AR      $@")
	$(LWIP_Q)rm -f $@ && llvm-ar rcs $@ $^

$(LWIP_BUILD)/tests/%: $(LWIP_DIR)/tests/%.c $(LWIP_TEST_SRCS) $(LWIP_TEST_HDRS) \
		$(LWIP_BUILD)/liblwip-host.a
	@mkdir -p $(@D)
	@$(if $(V),,echo "  HOSTCC  $@")
	$(LWIP_Q)$(LWIP_HOST_CC) $(LWIP_HOST_CFLAGS) -I$(LWIP_DIR)/tests -o $@ $< $(LWIP_TEST_SRCS) \
		$(LWIP_BUILD)/liblwip-host.a -lcmocka

.PHONY: lwip test-lwip
lwip: $(LWIP_BUILD)/liblwip-aarch64.a $(LWIP_BUILD)/liblwip-host.a

test-lwip: $(LWIP_BUILD)/liblwip-aarch64.a $(patsubst %,$(LWIP_BUILD)/tests/%,$(LWIP_TESTS))
	$(LWIP_Q)set -e; for t in $(LWIP_TESTS); do echo "== $$t"; $(LWIP_BUILD)/tests/$$t; done

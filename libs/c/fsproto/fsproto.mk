# The file protocol's request parser (libs/c/fsproto), included by the main Makefile:
#   make test-fsproto  cmocka tests with ASan + UBSan
#   make fuzz-fs       libFuzzer for FUZZ_SECONDS (60) on tests/fuzz/fs/ (main Makefile)
# The fs server compiles libs/c/fsproto/fsproto.c with -Ilibs/c/fsproto/include.
# Also usable alone: make -f libs/c/fsproto/fsproto.mk <target>. V=1 shows the commands.

FSPROTO_DIR := libs/c/fsproto
FSPROTO_BUILD := build/fsproto
FSPROTO_Q := $(if $(V),,@)
FSPROTO_CC := clang
FSPROTO_SRCS := $(FSPROTO_DIR)/fsproto.c
FSPROTO_INCLUDES := -I$(FSPROTO_DIR)/include -Ilibs/c/ftl/include
FSPROTO_DEPS := $(FSPROTO_SRCS) $(wildcard $(FSPROTO_DIR)/include/ftl/*.h) \
	libs/c/ftl/include/ftl/abi.h libs/c/ftl/include/ftl/fs.h
FSPROTO_WARN := -std=c11 -Wall -Wextra -Werror
FSPROTO_TEST_CFLAGS := $(FSPROTO_WARN) -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(FSPROTO_INCLUDES)
FSPROTO_FUZZ_CFLAGS := $(FSPROTO_WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(FSPROTO_INCLUDES)

$(FSPROTO_BUILD)/fsproto_test: $(FSPROTO_DIR)/tests/fsproto_test.c $(FSPROTO_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  HOSTCC  $@")
	$(FSPROTO_Q)$(FSPROTO_CC) $(FSPROTO_TEST_CFLAGS) -o $@ $< $(FSPROTO_SRCS) -lcmocka

$(FSPROTO_BUILD)/fsproto_fuzz: $(FSPROTO_DIR)/tests/fsproto_fuzz.c $(FSPROTO_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  FUZZCC  $@")
	$(FSPROTO_Q)$(FSPROTO_CC) $(FSPROTO_FUZZ_CFLAGS) -o $@ $< $(FSPROTO_SRCS)

.PHONY: test-fsproto
test-fsproto: $(FSPROTO_BUILD)/fsproto_test
	$(FSPROTO_Q)echo "== fsproto_test" && $(FSPROTO_BUILD)/fsproto_test

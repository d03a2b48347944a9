# The tcpip URI parser (libs/c/uri), included by the main Makefile:
#   make test-uri     cmocka tests with ASan + UBSan
#   make fuzz-uri     libFuzzer for FUZZ_SECONDS (60) on tests/fuzz/uri/ (main Makefile)
# Apps compile libs/c/uri/uri.c with -Ilibs/c/uri/include (URI_SRCS, URI_INCLUDES).
# Also usable alone: make -f libs/c/uri/uri.mk <target>. V=1 shows the commands.

URI_DIR := libs/c/uri
URI_BUILD := build/uri
URI_Q := $(if $(V),,@)
URI_CC := clang
URI_SRCS := $(URI_DIR)/uri.c
URI_INCLUDES := -I$(URI_DIR)/include -Ilibs/c/ftl/include
URI_DEPS := $(URI_SRCS) $(wildcard $(URI_DIR)/include/ftl/*.h) libs/c/ftl/include/ftl/abi.h
URI_WARN := -std=c11 -Wall -Wextra -Werror
URI_TEST_CFLAGS := $(URI_WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer $(URI_INCLUDES)
URI_FUZZ_CFLAGS := $(URI_WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(URI_INCLUDES)

$(URI_BUILD)/uri_test: $(URI_DIR)/tests/uri_test.c $(URI_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  HOSTCC  $@")
	$(URI_Q)$(URI_CC) $(URI_TEST_CFLAGS) -o $@ $< $(URI_SRCS) -lcmocka

$(URI_BUILD)/uri_fuzz: $(URI_DIR)/tests/uri_fuzz.c $(URI_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  FUZZCC  $@")
	$(URI_Q)$(URI_CC) $(URI_FUZZ_CFLAGS) -o $@ $< $(URI_SRCS)

.PHONY: test-uri
test-uri: $(URI_BUILD)/uri_test
	$(URI_Q)echo "== uri_test" && $(URI_BUILD)/uri_test

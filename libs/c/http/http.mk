# The HTTP/1.1 request parser, response writer and JSON writer (libs/c/http), included by
# the main Makefile:
#   make test-http    cmocka tests with ASan + UBSan
#   make fuzz-http    libFuzzer for FUZZ_SECONDS (60) on tests/fuzz/http/ (main Makefile)
# Apps compile HTTP_SRCS with HTTP_INCLUDES (no allocation, no globals, string.h only).
# Also usable alone: make -f libs/c/http/http.mk <target>. V=1 shows the commands.

HTTP_DIR := libs/c/http
HTTP_BUILD := build/http
HTTP_Q := $(if $(V),,@)
HTTP_CC := clang
HTTP_SRCS := $(HTTP_DIR)/http_parser.c $(HTTP_DIR)/http_writer.c $(HTTP_DIR)/json.c
HTTP_INCLUDES := -I$(HTTP_DIR)/include -Ilibs/c/ftl/include
HTTP_DEPS := $(HTTP_SRCS) $(wildcard $(HTTP_DIR)/include/ftl/*.h) libs/c/ftl/include/ftl/abi.h
HTTP_WARN := -std=c11 -Wall -Wextra -Werror
HTTP_TEST_CFLAGS := $(HTTP_WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer $(HTTP_INCLUDES)
HTTP_FUZZ_CFLAGS := $(HTTP_WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(HTTP_INCLUDES)
HTTP_TESTS := http_parser_test http_writer_test json_test

$(HTTP_BUILD)/%_test: $(HTTP_DIR)/tests/%_test.c $(HTTP_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  HOSTCC  $@")
	$(HTTP_Q)$(HTTP_CC) $(HTTP_TEST_CFLAGS) -o $@ $< $(HTTP_SRCS) -lcmocka

$(HTTP_BUILD)/http_fuzz: $(HTTP_DIR)/tests/http_fuzz.c $(HTTP_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  FUZZCC  $@")
	$(HTTP_Q)$(HTTP_CC) $(HTTP_FUZZ_CFLAGS) -o $@ $< $(HTTP_SRCS)

.PHONY: test-http
test-http: $(patsubst %,$(HTTP_BUILD)/%,$(HTTP_TESTS))
	$(HTTP_Q)set -e; for t in $(HTTP_TESTS); do echo "== $$t"; $(HTTP_BUILD)/$$t; done

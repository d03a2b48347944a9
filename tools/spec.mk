# Host builds around the spec parser (kernel/spec.c, kernel/yaml.c), included by the
# main Makefile: the speccheck tool, the cmocka unit tests and the libFuzzer target.
#   make build/host/speccheck
#   make build/host/tests/spec_test && build/host/tests/spec_test
#   make fuzz-spec                      (main Makefile; FUZZ_SECONDS=600 for longer)
# Also usable alone: make -f tools/spec.mk <target>. V=1 shows the commands.

SPEC_CC := clang
SPEC_Q := $(if $(V),,@)
SPEC_INCLUDES := -Ikernel -Ilibs/c/ftl/include
SPEC_WARN := -std=c11 -Wall -Wextra -Werror
SPEC_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SPEC_CFLAGS := $(SPEC_WARN) -g -O1 $(SPEC_SAN) $(SPEC_INCLUDES)
SPEC_TOOL_CFLAGS := $(SPEC_WARN) -O2 $(SPEC_INCLUDES)
SPEC_FUZZ_CFLAGS := $(SPEC_WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(SPEC_INCLUDES)
SPEC_SRCS := kernel/spec.c kernel/yaml.c
SPEC_DEPS := $(SPEC_SRCS) kernel/spec.h kernel/yaml.h kernel/klib.h libs/c/ftl/include/ftl/abi.h

build/host/speccheck: tools/speccheck.c $(SPEC_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $@")
	$(SPEC_Q)$(SPEC_CC) $(SPEC_TOOL_CFLAGS) -o $@ tools/speccheck.c $(SPEC_SRCS)

build/host/tests/spec_test: kernel/tests/spec_test.c $(SPEC_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $@")
	$(SPEC_Q)$(SPEC_CC) $(SPEC_CFLAGS) -o $@ kernel/tests/spec_test.c $(SPEC_SRCS) -lcmocka

build/host/spec_fuzz: kernel/tests/spec_fuzz.c $(SPEC_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $@")
	$(SPEC_Q)$(SPEC_CC) $(SPEC_FUZZ_CFLAGS) -o $@ kernel/tests/spec_fuzz.c $(SPEC_SRCS)

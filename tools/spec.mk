# Host builds around the spec parser (kernel/spec.c, kernel/yaml.c), included by the
# main Makefile: the speccheck tool, the cmocka unit tests and the libFuzzer target.
#   make build/host/speccheck
#   make build/host/tests/spec_test && build/host/tests/spec_test
#   make fuzz-spec                      (60 s; SPEC_FUZZ_SECONDS=600 for longer)
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
SPEC_FUZZ_SECONDS ?= 60
SPEC_FUZZ_CORPUS := build/host/spec_fuzz_corpus

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

# The seed corpus is rebuilt on every run from the apps' specs and a few inline
# examples; inputs the fuzzer finds stay in build/ only. An input holds up to four
# specs separated by NUL bytes (see kernel/tests/spec_fuzz.c).
.PHONY: fuzz-spec
fuzz-spec: build/host/spec_fuzz
	$(SPEC_Q)mkdir -p $(SPEC_FUZZ_CORPUS)
	$(SPEC_Q)for f in $(wildcard apps/*/spec.yaml); do \
		cp "$$f" "$(SPEC_FUZZ_CORPUS)/app_$$(basename $$(dirname $$f)).yaml"; done
	$(SPEC_Q)printf '%s\n' 'name: echo_client  # the example from the docs' \
		'isolation: inkernel' 'env:' '  echo:     { service: echo }' \
		'  greeting: { string: "Hi!\x21\n\u00e9" }' '  rounds:   { number: -5 }' \
		'  mask:     { number: 0x1F }' \
		'  nic:      { device: { compatible: "virtio,mmio", virtio_id: 1 } }' \
		'exports:' '  - service: echo' >$(SPEC_FUZZ_CORPUS)/seed_full.yaml
	$(SPEC_Q)printf '%s\n' '---' '# block style' 'name: "blk"' 'isolation: user' 'exports: []' \
		'env:' '  a:' '    number: 9223372036854775807' "  b: {string: 'it''s # y'}" \
		>$(SPEC_FUZZ_CORPUS)/seed_block.yaml
	$(SPEC_Q)printf '%s\n' '{ name: c, isolation: vmm, env: { d: { device: {' \
		'  compatible: "a,b", virtio_id: 0x10 } } } }' >$(SPEC_FUZZ_CORPUS)/seed_flow.yaml
	$(SPEC_Q){ printf '%s\n' 'name: a' 'isolation: wasm' 'exports:' '- service: x' \
		'- service: y' 'env:' '  s: { service: x }'; printf '\000'; \
		printf '%s\n' 'name: b' 'isolation: js' 'env: { t: { service: y } }' 'exports: [ ]'; } \
		>$(SPEC_FUZZ_CORPUS)/seed_system.yaml
	build/host/spec_fuzz -max_total_time=$(SPEC_FUZZ_SECONDS) -max_len=4096 \
		-artifact_prefix=build/host/spec_fuzz- $(SPEC_FUZZ_CORPUS)

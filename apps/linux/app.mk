# linux: the VMM app's device models, device tree, frame link and exec service are plain
# C: `make test-linux` runs their cmocka tests on the host with ASan + UBSan against a
# fake SDK (apps/linux/tests/fake_ftl.c), also part of `make test-unit`; `make fuzz-linux`
# fuzzes the virtio console, its virtqueues and the agent's frames (tests/fuzz/linux/).
$(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/linux/*.c)): $(wildcard apps/linux/*.h) \
	libs/c/ftl/include/ftl/linux.h

LINUX_BUILD := build/linuxvmm
LINUX_APP_SRCS := $(filter-out apps/linux/main.c,$(wildcard apps/linux/*.c))
LINUX_TEST_DEPS := $(LINUX_APP_SRCS) $(wildcard apps/linux/*.h apps/linux/tests/*.h) \
	apps/linux/tests/fake_ftl.c libs/c/ftl/include/ftl/linux.h libs/c/ftl/include/ftl/vm.h
LINUX_HOST_FLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -Ilibs/c/ftl/include -Iapps/linux

$(LINUX_BUILD)/devices_test: apps/linux/tests/devices_test.c apps/linux/tests/virtio_test.c \
		$(LINUX_TEST_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  HOSTCC  $@")
	$(Q)clang $(LINUX_HOST_FLAGS) -fsanitize=address,undefined -o $@ \
		apps/linux/tests/devices_test.c apps/linux/tests/virtio_test.c \
		apps/linux/tests/fake_ftl.c $(LINUX_APP_SRCS) -lcmocka

$(LINUX_BUILD)/exec_test: apps/linux/tests/exec_test.c $(LINUX_TEST_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  HOSTCC  $@")
	$(Q)clang $(LINUX_HOST_FLAGS) -fsanitize=address,undefined -o $@ \
		apps/linux/tests/exec_test.c apps/linux/tests/fake_ftl.c $(LINUX_APP_SRCS) -lcmocka

$(LINUX_BUILD)/linux_fuzz: apps/linux/tests/linux_fuzz.c $(LINUX_TEST_DEPS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  FUZZCC  $@")
	$(Q)clang $(LINUX_HOST_FLAGS) -fsanitize=fuzzer,address,undefined -o $@ \
		apps/linux/tests/linux_fuzz.c apps/linux/tests/fake_ftl.c $(LINUX_APP_SRCS)

.PHONY: test-linux
test-linux: $(LINUX_BUILD)/devices_test $(LINUX_BUILD)/exec_test
	$(Q)echo "== linux devices_test" && $(LINUX_BUILD)/devices_test
	$(Q)echo "== linux exec_test" && $(LINUX_BUILD)/exec_test

# The guest (tools/linux.mk) goes into every boot image that holds this app, as
# apps/linux/Image and apps/linux/initramfs.cpio (ftl_vm_load reads them).
APP_FILES_linux := Image=$(BUILD)/linux/Image initramfs.cpio=$(BUILD)/linux/initramfs.cpio
$(BUILD)/linux/Image: | $(BUILD)/linux/fetched.json

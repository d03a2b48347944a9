# The shell's line editor is plain C: `make test-lineedit` runs its cmocka tests on the
# host with ASan + UBSan (also part of `make test-unit`).
LINEEDIT_TEST := build/lineedit/lineedit_test

$(LINEEDIT_TEST): apps/shell/tests/lineedit_test.c apps/shell/lineedit.c apps/shell/lineedit.h
	@mkdir -p $(@D)
	@$(if $(V),,echo "  HOSTCC  $@")
	$(Q)clang -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer -Iapps/shell -o $@ \
		apps/shell/tests/lineedit_test.c apps/shell/lineedit.c -lcmocka

.PHONY: test-lineedit
test-lineedit: $(LINEEDIT_TEST)
	$(Q)echo "== lineedit_test" && $(LINEEDIT_TEST)

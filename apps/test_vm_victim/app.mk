# The guest programs are test_vm's.
APP_SRCS_test_vm_victim := apps/test_vm/guest.c

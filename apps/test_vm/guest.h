// Guest programs of test_vm (guest.c): each runs from its first byte.
#pragma once

extern const char guest_basic[], guest_basic_end[];
extern const char guest_spin[], guest_spin_end[];
extern const char guest_ldp[], guest_ldp_end[];
extern const char guest_jump[], guest_jump_end[];
extern const char guest_gic[], guest_gic_end[];

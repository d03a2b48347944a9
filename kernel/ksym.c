// Kernel symbols for backtraces: a table of (address, name) sorted by address,
// generated from the linked kernel by tools/ksyms.py and linked in a second pass.
#include "log.h"

struct ksym {
    uint64_t addr;
    uint32_t name_off;
    uint32_t pad;
};

// Provided by the generated ksyms.S (weak empty defaults for the first link pass).
extern const struct ksym ksym_table[] __attribute__((weak));
extern const uint64_t ksym_count __attribute__((weak));
extern const char ksym_names[] __attribute__((weak));

const char *ksym_format(uintptr_t pc)
{
    static char buf[96];
    size_t n = &ksym_count ? ksym_count : 0;
    size_t lo = 0, hi = n;
    while (lo < hi) { // first symbol with addr > pc
        size_t mid = (lo + hi) / 2;
        if (ksym_table[mid].addr <= pc) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0 || pc - ksym_table[lo - 1].addr > (1u << 20)) {
        snprintf(buf, sizeof(buf), "0x%lx", (unsigned long)pc);
    } else {
        const struct ksym *s = &ksym_table[lo - 1];
        snprintf(buf, sizeof(buf), "0x%lx %s+0x%lx", (unsigned long)pc, ksym_names + s->name_off,
                 (unsigned long)(pc - s->addr));
    }
    return buf;
}

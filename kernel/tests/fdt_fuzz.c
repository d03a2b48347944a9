// libFuzzer target for the device tree reader (kernel/fdt.c): any blob fdt_check
// accepts must be walked by board_from_fdt without reading outside it.
//   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ikernel -Ikernel/arch/host \
//     -Ilibs/c/ftl/include kernel/tests/fdt_fuzz.c kernel/fdt.c -o build/host/fdt_fuzz
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdt.h"

#define FDT_HEADER_SIZE 40 // fdt_check reads the whole header unconditionally

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FDT_HEADER_SIZE) {
        return 0;
    }
    // fdt_check's contract: the blob is as long as its header's totalsize says. Give
    // the reader exactly that many bytes, so ASan flags any read past them.
    size_t total = 0;
    if (fdt_check(data, &total) != FTL_OK || total > size || total < FDT_HEADER_SIZE) {
        return 0;
    }
    uint8_t *blob = malloc(total);
    if (!blob) {
        return 0;
    }
    memcpy(blob, data, total);
    struct board b;
    const char *why = NULL;
    (void)board_from_fdt(blob, &b, &why);
    free(blob);
    return 0;
}

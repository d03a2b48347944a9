// libFuzzer target for the boot archive reader (kernel/initfs.c): any archive
// initfs_init accepts must list files that lie inside it (or, packed, inside its
// unpacked bytes once initfs_unpack accepts them), with NUL-terminated names.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "initfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // An exactly sized, malloc-aligned copy, as the kernel's initrd is page-aligned.
    uint8_t *blob = malloc(size ? size : 1);
    if (!blob) {
        return 0;
    }
    memcpy(blob, data, size);
    uint8_t *unpacked = NULL;
    if (initfs_init(blob, size) == FTL_OK && initfs_unpacked_size() <= (1 << 20)) {
        size_t usize = initfs_unpacked_size();
        const char *why = NULL;
        if (usize != 0) {
            unpacked = malloc(usize);
            if (!unpacked || initfs_unpack(unpacked, usize, &why) != FTL_OK) {
                free(unpacked);
                free(blob);
                return 0;
            }
        }
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < initfs_count(); i++) {
            struct initfs_file f = initfs_get(i);
            sum += (uint8_t)strlen(f.name);
            for (size_t k = 0; k < f.size; k++) {
                sum += f.data[k];
            }
            struct initfs_file again;
            if (initfs_find(f.name, &again) != FTL_OK) {
                abort();
            }
        }
        (void)sum;
    }
    free(unpacked);
    free(blob);
    return 0;
}

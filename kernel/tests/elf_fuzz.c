// libFuzzer target for the app ELF loader (kernel/elf.c): any file elf_inspect
// accepts must load (or be refused) without touching memory outside file and image.
//   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ikernel -Ikernel/arch/host \
//     -Ilibs/c/ftl/include kernel/tests/elf_fuzz.c kernel/elf.c -o build/host/elf_fuzz
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"

#define FUZZ_IMAGE_MAX (4u << 20) // keep iterations fast; the loader allows 64 MiB

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // An exactly sized, malloc-aligned copy: the loader reads headers in place.
    uint8_t *file = malloc(size ? size : 1);
    if (!file) {
        return 0;
    }
    memcpy(file, data, size);
    struct elf_info info;
    const char *why = NULL;
    if (elf_inspect(file, size, &info, &why) == FTL_OK && info.mem_size <= FUZZ_IMAGE_MAX) {
        uint8_t *image = calloc(1, info.mem_size);
        if (image) {
            (void)elf_load(file, size, &info, image, 0x400000, &why);
            free(image);
        }
    }
    free(file);
    return 0;
}

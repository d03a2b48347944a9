// libFuzzer target for the LZ4 frame reader (kernel/lz4/unlz4.c) of the boot image
// and the initfs: whatever the input, unlz4 writes only inside the output buffer,
// sized exactly as the frame's header says (ASan), and a frame it accepts fills it.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lz4/unlz4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = malloc(size ? size : 1);
    if (!in) {
        return 0;
    }
    memcpy(in, data, size);
    uint64_t out_size;
    const char *why = NULL;
    ftl_err_t err = unlz4_size(in, size, &out_size, &why);
    if (err != FTL_OK && why == NULL) {
        abort(); // a refusal always says why
    }
    if (err == FTL_OK && out_size <= (1 << 20)) {
        uint8_t *out = malloc(out_size ? out_size : 1);
        why = NULL;
        if (out && unlz4(in, size, out, out_size, &why) != FTL_OK && why == NULL) {
            abort();
        }
        free(out);
    }
    free(in);
    return 0;
}

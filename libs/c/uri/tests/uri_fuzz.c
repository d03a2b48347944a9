// libFuzzer target for the tcpip URI parser: any bytes must parse or be rejected with a
// reason, never read out of bounds, and an accepted URI must print and re-parse the same.
#include <stdlib.h>
#include <string.h>

#include "ftl/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // A heap copy of exactly `size` bytes, so ASan sees any read past the end.
    char *s = malloc(size ? size : 1);
    if (!s) {
        return 0;
    }
    memcpy(s, data, size);
    struct ftl_uri u;
    const char *reason = NULL;
    ftl_err_t err = ftl_uri_parse(s, size, &u, &reason);
    if (err == FTL_ERR_PARSE && !reason) {
        abort();
    }
    if (err == FTL_OK) {
        char buf[FTL_URI_MAX_LEN + 1];
        size_t len;
        struct ftl_uri again;
        if (ftl_uri_format(&u, buf, sizeof(buf), &len) != FTL_OK ||
            ftl_uri_parse(buf, len, &again, NULL) != FTL_OK || memcmp(&u, &again, sizeof(u)) != 0) {
            abort();
        }
    } else if (err != FTL_ERR_PARSE) {
        abort();
    }
    free(s);
    return 0;
}

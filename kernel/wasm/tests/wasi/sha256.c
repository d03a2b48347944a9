// WASI test: prints the SHA-256 of stdin in hex, like `sha256sum | cut -d' ' -f1`.
#include <stdio.h>

#include "../sha256_impl.h"

int main(void)
{
    struct sha256 s;
    sha256_init(&s);
    unsigned char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
        sha256_update(&s, buf, n);
    }
    uint8_t digest[32];
    sha256_final(&s, digest);
    for (int i = 0; i < 32; i++) {
        printf("%02x", digest[i]);
    }
    printf("\n");
    return 0;
}

// cksum: the POSIX CRC-32 of stdin and its length (docs/pipes.md), as `cksum` prints them.
#include <ftl.h>
#include <ftl/stdio.h>

static uint8_t buf[FTL_MSG_DATA_MAX];
static uint32_t table[256];

// CRC-32 with polynomial 0x04C11DB7, most significant bit first (POSIX cksum).
static uint32_t crc_byte(uint32_t crc, uint8_t b)
{
    return (crc << 8) ^ table[(crc >> 24) ^ b];
}

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_stdio_init(env));
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i << 24;
        for (int k = 0; k < 8; k++) {
            c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
        }
        table[i] = c;
    }
    uint32_t crc = 0;
    uint64_t total = 0;
    size_t n;
    do {
        FTL_CHECK(ftl_stdin_read(buf, sizeof(buf), &n));
        for (size_t i = 0; i < n; i++) {
            crc = crc_byte(crc, buf[i]);
        }
        total += n;
    } while (n > 0);
    for (uint64_t len = total; len; len >>= 8) { // the length, low byte first
        crc = crc_byte(crc, (uint8_t)len);
    }
    FTL_CHECK(ftl_stdout_printf("%lu %llu\n", (unsigned long)~crc, (unsigned long long)total));
    FTL_CHECK(ftl_stdio_close());
}

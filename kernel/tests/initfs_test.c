// Host unit tests of the boot archive reader (kernel/initfs.c): archives are built
// here byte by byte, in exactly sized buffers so ASan sees any read past them.
#include "test_util.h"

#include "initfs.h"

#define ENTRY_SIZE 64

// An archive with `n` entries of 8 bytes of data each, laid out as tools/mkinitfs.py
// does (data 16-byte aligned after the table). *out_len gets its size.
static uint8_t *archive(uint32_t n, size_t *out_len)
{
    size_t data = 16 + (size_t)n * ENTRY_SIZE;
    size_t len = data + (size_t)n * 16;
    uint8_t *b = calloc(1, len);
    assert_non_null(b);
    memcpy(b, "FTLINITF", 8);
    memcpy(b + 8, &n, 4);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = b + 16 + (size_t)i * ENTRY_SIZE;
        snprintf((char *)e, INITFS_NAME_MAX, "apps/f%u", i);
        uint32_t off = (uint32_t)(data + i * 16);
        uint32_t size = 8;
        memcpy(e + INITFS_NAME_MAX, &off, 4);
        memcpy(e + INITFS_NAME_MAX + 4, &size, 4);
        memset(b + off, 'a' + (int)i, size);
    }
    *out_len = len;
    return b;
}

static void set_offset(uint8_t *b, uint32_t i, uint32_t off)
{
    memcpy(b + 16 + (size_t)i * ENTRY_SIZE + INITFS_NAME_MAX, &off, 4);
}

static void well_formed_archive_lists_its_files(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = archive(2, &len);
    assert_int_equal(initfs_init(b, len), FTL_OK);
    assert_int_equal(initfs_count(), 2);
    struct initfs_file f;
    assert_int_equal(initfs_find("apps/f1", &f), FTL_OK);
    assert_int_equal(f.size, 8);
    assert_int_equal(f.data[0], 'b');
    assert_int_equal(initfs_find("apps/f2", &f), FTL_ERR_NOT_FOUND);
    free(b);
}

static void short_or_unmarked_archive_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = archive(0, &len);
    assert_int_equal(initfs_init(b, 15), FTL_ERR_PARSE);
    b[0] = 'X';
    assert_int_equal(initfs_init(b, len), FTL_ERR_PARSE);
    free(b);
}

static void more_entries_than_fit_are_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = archive(1, &len);
    uint32_t n = 0x40000000;
    memcpy(b + 8, &n, 4);
    assert_int_equal(initfs_init(b, len), FTL_ERR_PARSE);
    free(b);
}

static void data_past_the_end_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = archive(1, &len);
    set_offset(b, 0, (uint32_t)len - 4); // 8 bytes from 4 before the end
    assert_int_equal(initfs_init(b, len), FTL_ERR_PARSE);
    set_offset(b, 0, UINT32_MAX);
    assert_int_equal(initfs_init(b, len), FTL_ERR_PARSE);
    free(b);
}

static void unterminated_name_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = archive(1, &len);
    memset(b + 16, 'x', INITFS_NAME_MAX);
    assert_int_equal(initfs_init(b, len), FTL_ERR_PARSE);
    free(b);
}

// App ELF headers are read in place, as structs of 64-bit fields: a file whose data
// is not 8-byte aligned would be read with misaligned loads.
static void unaligned_file_data_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = archive(2, &len);
    set_offset(b, 1, 16 + 2 * ENTRY_SIZE + 4);
    assert_int_equal(initfs_init(b, len), FTL_ERR_PARSE);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(well_formed_archive_lists_its_files),
        cmocka_unit_test(short_or_unmarked_archive_is_rejected),
        cmocka_unit_test(more_entries_than_fit_are_rejected),
        cmocka_unit_test(data_past_the_end_is_rejected),
        cmocka_unit_test(unterminated_name_is_rejected),
        cmocka_unit_test(unaligned_file_data_is_rejected),
    };
    return cmocka_run_group_tests_name("initfs", tests, NULL, NULL);
}

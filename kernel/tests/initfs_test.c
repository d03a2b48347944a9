// Host unit tests of the boot archive reader (kernel/initfs.c): archives are built
// here byte by byte, in exactly sized buffers so ASan sees any read past them.
#include "test_util.h"

#include "initfs.h"
#include "lz4_frame.h"

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

// A packed archive as tools/mkinitfs.py writes it: "apps/a" (16 bytes) and "apps/b"
// (3000 bytes) packed in one LZ4 frame after the table, "apps/c" (8 bytes) stored.
static uint8_t *packed_archive(size_t *out_len, size_t *frame_len)
{
    uint8_t files[3016 + 8];
    memset(files, 'a', 16);
    for (size_t i = 0; i < 3000; i++) {
        files[16 + i] = (uint8_t)("packed "[i % 7]);
    }
    uint8_t *f = lz4_frame(files, 3016, frame_len);
    assert_non_null(f);
    size_t table = 16 + 3 * ENTRY_SIZE, stored = (table + *frame_len + 15) & ~(size_t)15;
    size_t len = stored + 8;
    uint8_t *b = calloc(1, len);
    memcpy(b, "FTLINITF", 8);
    uint32_t n = 3, packed = (uint32_t)*frame_len;
    memcpy(b + 8, &n, 4);
    memcpy(b + 12, &packed, 4);
    const struct {
        const char *name;
        uint32_t off, size;
    } e[] = {{"apps/a", 0x80000000u, 16}, {"apps/b", 0x80000000u | 16, 3000},
             {"apps/c", (uint32_t)stored, 8}};
    for (uint32_t i = 0; i < 3; i++) {
        uint8_t *p = b + 16 + (size_t)i * ENTRY_SIZE;
        snprintf((char *)p, INITFS_NAME_MAX, "%s", e[i].name);
        memcpy(p + INITFS_NAME_MAX, &e[i].off, 4);
        memcpy(p + INITFS_NAME_MAX + 4, &e[i].size, 4);
    }
    memcpy(b + table, f, *frame_len);
    memset(b + stored, 'c', 8);
    free(f);
    *out_len = len;
    return b;
}

static void packed_files_are_there_once_unpacked(void **state)
{
    (void)state;
    size_t len, flen;
    uint8_t *b = packed_archive(&len, &flen);
    assert_int_equal(initfs_init(b, len), FTL_OK);
    assert_int_equal(initfs_unpacked_size(), 3016);
    struct initfs_file f;
    assert_int_equal(initfs_find("apps/b", &f), FTL_OK);
    assert_null(f.data); // not before initfs_unpack
    assert_int_equal(initfs_find("apps/c", &f), FTL_OK);
    assert_memory_equal(f.data, "cccccccc", 8);
    uint8_t *buf = malloc(3016);
    const char *why;
    assert_int_equal(initfs_unpack(buf, 3015, &why), FTL_ERR_INVALID_ARG);
    assert_int_equal(initfs_unpack(buf, 3016, &why), FTL_OK);
    assert_int_equal(initfs_find("apps/a", &f), FTL_OK);
    assert_ptr_equal(f.data, buf);
    assert_int_equal(initfs_find("apps/b", &f), FTL_OK);
    assert_int_equal(f.size, 3000);
    assert_memory_equal(f.data, "packed packed", 13);
    free(buf);
    free(b);
}

static void corrupt_or_lying_packed_part_is_refused(void **state)
{
    (void)state;
    size_t len, flen;
    uint8_t *b = packed_archive(&len, &flen);
    size_t table = 16 + 3 * ENTRY_SIZE;
    // A packed entry past the frame's content size.
    uint32_t off = 0x80000000u | 16, size = 3001;
    memcpy(b + 16 + ENTRY_SIZE + INITFS_NAME_MAX + 4, &size, 4);
    assert_int_equal(initfs_init(b, len), FTL_ERR_PARSE);
    size = 3000;
    memcpy(b + 16 + ENTRY_SIZE + INITFS_NAME_MAX + 4, &size, 4);
    memcpy(b + 16 + ENTRY_SIZE + INITFS_NAME_MAX, &off, 4);
    // A frame longer than the archive, or not a frame.
    uint32_t packed = (uint32_t)len;
    memcpy(b + 12, &packed, 4);
    assert_int_equal(initfs_init(b, len), FTL_ERR_PARSE);
    packed = (uint32_t)flen;
    memcpy(b + 12, &packed, 4);
    b[table] ^= 0xff;
    assert_int_equal(initfs_init(b, len), FTL_ERR_PARSE);
    b[table] ^= 0xff;
    // A frame cut short: accepted by initfs_init (its header is whole), refused by
    // initfs_unpack with a reason, and the packed files stay unavailable.
    packed = (uint32_t)flen - 5;
    memcpy(b + 12, &packed, 4);
    assert_int_equal(initfs_init(b, len), FTL_OK);
    uint8_t *buf = malloc(3016);
    const char *why = NULL;
    assert_int_equal(initfs_unpack(buf, 3016, &why), FTL_ERR_PARSE);
    assert_non_null(why);
    struct initfs_file f;
    assert_int_equal(initfs_find("apps/a", &f), FTL_OK);
    assert_null(f.data);
    free(buf);
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
        cmocka_unit_test(packed_files_are_there_once_unpacked),
        cmocka_unit_test(corrupt_or_lying_packed_part_is_refused),
    };
    return cmocka_run_group_tests_name("initfs", tests, NULL, NULL);
}

// Host unit tests of the app ELF loader (kernel/elf.c): the real app ELF from the
// build (FTL_TEST_APP_ELF) and small ELF files built here, each broken in one way.
#include "test_util.h"

#include "elf.h"

// ELF64 layouts (kernel/elf.c keeps its own private; <elf.h> is shadowed by -Ikernel).
struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct dyn {
    int64_t tag;
    uint64_t val;
};

struct rela {
    uint64_t offset, info;
    int64_t addend;
};

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define EM_AARCH64 183
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define R_AARCH64_NONE 0
#define R_AARCH64_ABS64 257
#define R_AARCH64_RELATIVE 1027
#define BSS_SIZE 32

// A whole small app ELF: one PT_LOAD covering the file (plus bss) at address 0, a
// PT_DYNAMIC pointing at `dyn`, two RELATIVE relocations of `words`.
struct test_elf {
    struct ehdr eh;
    struct phdr ph[2];
    struct dyn dyn[4];
    struct rela rela[2];
    uint64_t words[2];
};

static struct test_elf te;

#define OFF(field) ((uint64_t)offsetof(struct test_elf, field))

static int build_test_elf(void **state)
{
    test_kernel_setup(state);
    memset(&te, 0, sizeof(te));
    memcpy(te.eh.ident, "\x7f" "ELF", 4);
    te.eh.ident[4] = 2; // ELFCLASS64
    te.eh.ident[5] = 1; // little endian
    te.eh.ident[6] = 1;
    te.eh.type = ET_DYN;
    te.eh.machine = EM_AARCH64;
    te.eh.version = 1;
    te.eh.entry = OFF(words);
    te.eh.phoff = OFF(ph);
    te.eh.ehsize = sizeof(struct ehdr);
    te.eh.phentsize = sizeof(struct phdr);
    te.eh.phnum = 2;
    te.ph[0] = (struct phdr){.type = PT_LOAD, .flags = 6, .offset = 0, .vaddr = 0,
                             .filesz = sizeof(te), .memsz = sizeof(te) + BSS_SIZE,
                             .align = 0x1000};
    te.ph[1] = (struct phdr){.type = PT_DYNAMIC, .flags = 6, .offset = OFF(dyn),
                             .vaddr = OFF(dyn), .filesz = sizeof(te.dyn),
                             .memsz = sizeof(te.dyn), .align = 8};
    te.dyn[0] = (struct dyn){DT_RELA, OFF(rela)};
    te.dyn[1] = (struct dyn){DT_RELASZ, sizeof(te.rela)};
    te.dyn[2] = (struct dyn){DT_RELAENT, sizeof(struct rela)};
    te.dyn[3] = (struct dyn){DT_NULL, 0};
    te.rela[0] = (struct rela){OFF(words[0]), R_AARCH64_RELATIVE, 0x100};
    te.rela[1] = (struct rela){OFF(words[1]), R_AARCH64_RELATIVE, 0x28};
    te.words[0] = 0x1111111111111111u;
    te.words[1] = 0x2222222222222222u;
    return 0;
}

// The ELF as a file of exactly `len` bytes (ASan sees reads past its end).
static uint8_t *file_of(size_t len)
{
    uint8_t *f = calloc(1, len);
    assert_non_null(f);
    memcpy(f, &te, len < sizeof(te) ? len : sizeof(te));
    return f;
}

static void expect_inspect_error(size_t len, const char *part)
{
    uint8_t *f = file_of(len);
    struct elf_info info;
    const char *why = NULL;
    assert_int_equal(elf_inspect(f, len, &info, &why), FTL_ERR_PARSE);
    assert_non_null(why);
    if (!strstr(why, part)) {
        fail_msg("reason '%s' does not mention '%s'", why, part);
    }
    free(f);
}

// Inspects (must succeed), then loads at `base` into an exactly sized image.
static ftl_err_t load_test_elf(uint64_t base, uint8_t **out_image, const char **why)
{
    uint8_t *f = file_of(sizeof(te));
    struct elf_info info;
    assert_int_equal(elf_inspect(f, sizeof(te), &info, why), FTL_OK);
    uint8_t *image = calloc(1, info.mem_size);
    assert_non_null(image);
    ftl_err_t err = elf_load(f, sizeof(te), &info, image, base, why);
    free(f);
    *out_image = image;
    return err;
}

static void expect_load_error(const char *part)
{
    uint8_t *image;
    const char *why = NULL;
    assert_int_equal(load_test_elf(0x400000, &image, &why), FTL_ERR_PARSE);
    assert_non_null(why);
    if (!strstr(why, part)) {
        fail_msg("reason '%s' does not mention '%s'", why, part);
    }
    free(image);
}

static uint64_t word_at(const uint8_t *image, uint64_t off)
{
    uint64_t w;
    memcpy(&w, image + off, sizeof(w));
    return w;
}

// ---- the real app ELF ----

static uint8_t *app;
static size_t app_len;

static int load_app(void **state)
{
    (void)state;
    host_set_panic_hook(test_panic_hook);
    app = test_read_file("FTL_TEST_APP_ELF", "build/apps/hello.elf", &app_len);
    return 0;
}

static int free_app(void **state)
{
    (void)state;
    free(app);
    return 0;
}

static struct elf_info inspect_app(void)
{
    struct elf_info info;
    const char *why = NULL;
    ftl_err_t err = elf_inspect(app, app_len, &info, &why);
    if (err != FTL_OK) {
        fail_msg("elf_inspect: %s", why ? why : "no reason");
    }
    return info;
}

static uint8_t *load_app_at(const struct elf_info *info, uint64_t base)
{
    uint8_t *image = calloc(1, info->mem_size);
    assert_non_null(image);
    const char *why = NULL;
    ftl_err_t err = elf_load(app, app_len, info, image, base, &why);
    if (err != FTL_OK) {
        fail_msg("elf_load: %s", why ? why : "no reason");
    }
    return image;
}

static const struct phdr *app_phdr(size_t i)
{
    const struct ehdr *eh = (const struct ehdr *)app;
    return (const struct phdr *)(app + eh->phoff) + i;
}

// The app's RELATIVE relocations, read from the loaded image like the loader does.
static size_t app_relocations(const uint8_t *image, const struct rela **out)
{
    const struct ehdr *eh = (const struct ehdr *)app;
    for (size_t i = 0; i < eh->phnum; i++) {
        if (app_phdr(i)->type != PT_DYNAMIC) {
            continue;
        }
        const struct dyn *d = (const struct dyn *)(image + app_phdr(i)->vaddr);
        uint64_t rela = 0, relasz = 0;
        for (; d->tag != DT_NULL; d++) {
            rela = d->tag == DT_RELA ? d->val : rela;
            relasz = d->tag == DT_RELASZ ? d->val : relasz;
        }
        *out = (const struct rela *)(image + rela);
        return relasz / sizeof(struct rela);
    }
    return 0;
}

static void app_elf_inspects_with_size_of_its_segments(void **state)
{
    (void)state;
    struct elf_info info = inspect_app();
    const struct ehdr *eh = (const struct ehdr *)app;
    uint64_t end = 0;
    for (size_t i = 0; i < eh->phnum; i++) {
        const struct phdr *ph = app_phdr(i);
        if (ph->type == PT_LOAD && ph->vaddr + ph->memsz > end) {
            end = ph->vaddr + ph->memsz;
        }
    }
    assert_int_equal(info.mem_size, end);
    assert_int_equal(info.entry, eh->entry);
    assert_true(info.entry < info.mem_size);
}

static void app_elf_load_copies_every_segment(void **state)
{
    (void)state;
    struct elf_info info = inspect_app();
    uint8_t *image = load_app_at(&info, 0);
    const struct rela *rela;
    size_t nrela = app_relocations(image, &rela);
    // At base 0 a RELATIVE word becomes its addend; every other byte is the file's.
    uint8_t *expect = calloc(1, info.mem_size);
    assert_non_null(expect);
    const struct ehdr *eh = (const struct ehdr *)app;
    for (size_t i = 0; i < eh->phnum; i++) {
        const struct phdr *ph = app_phdr(i);
        if (ph->type == PT_LOAD) {
            memcpy(expect + ph->vaddr, app + ph->offset, ph->filesz);
        }
    }
    for (size_t i = 0; i < nrela; i++) {
        if ((uint32_t)rela[i].info == R_AARCH64_RELATIVE) {
            memcpy(expect + rela[i].offset, &rela[i].addend, 8);
        }
    }
    assert_memory_equal(image, expect, info.mem_size);
    free(expect);
    free(image);
}

static void app_elf_has_relocations_applied_as_base_plus_addend(void **state)
{
    (void)state;
    struct elf_info info = inspect_app();
    const uint64_t base = 0x40000000;
    uint8_t *image = load_app_at(&info, base);
    const struct rela *rela;
    size_t nrela = app_relocations(image, &rela);
    assert_true(nrela > 0);
    for (size_t i = 0; i < nrela; i++) {
        if ((uint32_t)rela[i].info == R_AARCH64_RELATIVE) {
            assert_int_equal(word_at(image, rela[i].offset), base + (uint64_t)rela[i].addend);
        }
    }
    free(image);
}

static void app_elf_loaded_at_two_bases_differs_only_by_the_base(void **state)
{
    (void)state;
    struct elf_info info = inspect_app();
    const uint64_t base1 = 0x400000, base2 = 0x7f0000000000;
    uint8_t *one = load_app_at(&info, base1);
    uint8_t *two = load_app_at(&info, base2);
    size_t changed = 0;
    for (size_t off = 0; off + 8 <= info.mem_size; off += 8) {
        uint64_t w1 = word_at(one, off), w2 = word_at(two, off);
        if (w1 != w2) {
            assert_int_equal(w2 - w1, base2 - base1);
            changed++;
        }
    }
    assert_true(changed > 0);
    free(one);
    free(two);
}

// ---- small ELF files built here ----

static void built_elf_inspects(void **state)
{
    (void)state;
    uint8_t *f = file_of(sizeof(te));
    struct elf_info info;
    const char *why = NULL;
    assert_int_equal(elf_inspect(f, sizeof(te), &info, &why), FTL_OK);
    assert_int_equal(info.mem_size, sizeof(te) + BSS_SIZE);
    assert_int_equal(info.entry, OFF(words));
    free(f);
}

static void relative_relocation_writes_base_plus_addend(void **state)
{
    (void)state;
    uint8_t *image;
    const char *why = NULL;
    assert_int_equal(load_test_elf(0x400000, &image, &why), FTL_OK);
    assert_int_equal(word_at(image, OFF(words[0])), 0x400100);
    assert_int_equal(word_at(image, OFF(words[1])), 0x400028);
    free(image);
}

static void none_relocation_is_skipped(void **state)
{
    (void)state;
    te.rela[1].info = R_AARCH64_NONE;
    uint8_t *image;
    const char *why = NULL;
    assert_int_equal(load_test_elf(0x400000, &image, &why), FTL_OK);
    assert_int_equal(word_at(image, OFF(words[0])), 0x400100);
    assert_int_equal(word_at(image, OFF(words[1])), 0x2222222222222222u);
    free(image);
}

static void elf_without_dynamic_segment_loads_unrelocated(void **state)
{
    (void)state;
    te.eh.phnum = 1;
    uint8_t *image;
    const char *why = NULL;
    assert_int_equal(load_test_elf(0x400000, &image, &why), FTL_OK);
    assert_int_equal(word_at(image, OFF(words[0])), 0x1111111111111111u);
    free(image);
}

static void not_an_elf_is_rejected(void **state)
{
    (void)state;
    te.eh.ident[1] = 'X';
    expect_inspect_error(sizeof(te), "not an ELF");
}

static void file_shorter_than_a_header_is_rejected(void **state)
{
    (void)state;
    expect_inspect_error(sizeof(struct ehdr) - 1, "not an ELF");
}

static void elf32_is_rejected(void **state)
{
    (void)state;
    te.eh.ident[4] = 1; // ELFCLASS32
    expect_inspect_error(sizeof(te), "64-bit");
}

static void big_endian_elf_is_rejected(void **state)
{
    (void)state;
    te.eh.ident[5] = 2;
    expect_inspect_error(sizeof(te), "little-endian");
}

static void wrong_machine_is_rejected(void **state)
{
    (void)state;
    te.eh.machine = EM_X86_64;
    expect_inspect_error(sizeof(te), "aarch64");
}

static void et_exec_is_rejected(void **state)
{
    (void)state;
    te.eh.type = ET_EXEC;
    expect_inspect_error(sizeof(te), "position-independent");
}

static void program_headers_past_end_of_file_are_rejected(void **state)
{
    (void)state;
    te.eh.phoff = sizeof(te) + 8;
    expect_inspect_error(sizeof(te), "program headers");
}

static void too_many_program_headers_are_rejected(void **state)
{
    (void)state;
    te.eh.phnum = 0xffff;
    expect_inspect_error(sizeof(te), "program headers");
}

static void program_header_size_mismatch_is_rejected(void **state)
{
    (void)state;
    te.eh.phentsize = 32;
    expect_inspect_error(sizeof(te), "program headers");
}

static void misaligned_program_headers_are_rejected(void **state)
{
    (void)state;
    te.eh.phoff += 4;
    expect_inspect_error(sizeof(te), "program headers");
}

static void segment_past_end_of_file_is_rejected(void **state)
{
    (void)state;
    te.ph[0].filesz = sizeof(te) + 1;
    te.ph[0].memsz = sizeof(te) + 1;
    expect_inspect_error(sizeof(te), "segment");
}

static void segment_offset_past_end_of_file_is_rejected(void **state)
{
    (void)state;
    te.ph[0].offset = UINT64_MAX - 8; // offset + filesz wraps around
    expect_inspect_error(sizeof(te), "segment");
}

static void segment_with_more_file_than_memory_bytes_is_rejected(void **state)
{
    (void)state;
    te.ph[0].memsz = te.ph[0].filesz - 8;
    expect_inspect_error(sizeof(te), "segment");
}

static void segment_beyond_image_size_limit_is_rejected(void **state)
{
    (void)state;
    te.ph[0].vaddr = UINT64_MAX - 0xfff; // vaddr + memsz wraps around
    expect_inspect_error(sizeof(te), "segment");
}

static void elf_without_loadable_segment_is_rejected(void **state)
{
    (void)state;
    te.ph[0].type = 0x6474e551; // PT_GNU_STACK
    expect_inspect_error(sizeof(te), "no loadable segment");
}

static void entry_outside_image_is_rejected(void **state)
{
    (void)state;
    te.eh.entry = sizeof(te) + BSS_SIZE;
    expect_inspect_error(sizeof(te), "entry point");
}

static void unsupported_relocation_type_is_rejected(void **state)
{
    (void)state;
    te.rela[1].info = R_AARCH64_ABS64;
    expect_load_error("unsupported relocation");
}

static void relocation_target_outside_image_is_rejected(void **state)
{
    (void)state;
    te.rela[0].offset = sizeof(te) + BSS_SIZE - 4; // the word would cross the end
    expect_load_error("outside the image");
}

static void relocation_target_near_uint64_max_is_rejected(void **state)
{
    (void)state;
    te.rela[0].offset = UINT64_MAX - 3;
    expect_load_error("outside the image");
}

static void relocation_table_outside_image_is_rejected(void **state)
{
    (void)state;
    te.dyn[0].val = sizeof(te) + BSS_SIZE + 8;
    expect_load_error("relocation table");
}

static void relocation_table_size_past_image_is_rejected(void **state)
{
    (void)state;
    te.dyn[1].val = UINT64_MAX - 7;
    expect_load_error("relocation table");
}

static void relocation_entry_size_mismatch_is_rejected(void **state)
{
    (void)state;
    te.dyn[2].val = 16;
    expect_load_error("relocation table");
}

static void writable_and_executable_segment_is_rejected(void **state)
{
    (void)state;
    te.ph[0].flags = 7;
    expect_inspect_error(sizeof(te), "writable and executable");
}

// In user mode each page gets one segment's permissions: a read-execute segment in the
// page of a writable one would be code the kernel lets the app write to.
static void segments_with_different_permissions_in_one_page_are_rejected(void **state)
{
    (void)state;
    te.ph[1] = (struct phdr){.type = PT_LOAD, .flags = 5, .offset = 0, .vaddr = 0x800,
                             .filesz = 0, .memsz = 16, .align = 8};
    expect_inspect_error(sizeof(te), "share a page");
    te.ph[1].vaddr = 0x1000 + 0x800; // the next page: fine
    uint8_t *f = file_of(sizeof(te));
    struct elf_info info;
    const char *why = NULL;
    assert_int_equal(elf_inspect(f, sizeof(te), &info, &why), FTL_OK);
    assert_int_equal(info.nsegments, 2);
    te.ph[1].flags = 6; // the same permissions may share a page
    te.ph[1].vaddr = 0x800;
    memcpy(f, &te, sizeof(te));
    assert_int_equal(elf_inspect(f, sizeof(te), &info, &why), FTL_OK);
    free(f);
}

static void segments_are_reported_with_their_permissions(void **state)
{
    (void)state;
    struct elf_info info;
    const char *why;
    assert_int_equal(elf_inspect(&te, sizeof(te), &info, &why), FTL_OK);
    assert_int_equal(info.nsegments, 1);
    assert_int_equal(info.segments[0].vaddr, 0);
    assert_int_equal(info.segments[0].memsz, sizeof(te) + BSS_SIZE);
    assert_int_equal(info.segments[0].prot, ELF_PROT_READ | ELF_PROT_WRITE);
}

static void dynamic_segment_outside_image_is_rejected(void **state)
{
    (void)state;
    te.ph[1].vaddr = sizeof(te) + BSS_SIZE;
    expect_load_error("dynamic section");
}

// A DT_RELASZ that is not a multiple of the entry size must not make the loader read
// a whole entry past the image.
static void partial_relocation_entry_at_image_end_is_not_read(void **state)
{
    (void)state;
    te.dyn[0].val = sizeof(te) + BSS_SIZE - 8; // the last 8 bytes of bss
    te.dyn[1].val = 8;
    uint8_t *image;
    const char *why = NULL;
    (void)load_test_elf(0x400000, &image, &why); // any result, but no read past the image
    free(image);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, build_test_elf)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(app_elf_inspects_with_size_of_its_segments),
        cmocka_unit_test(app_elf_load_copies_every_segment),
        cmocka_unit_test(app_elf_has_relocations_applied_as_base_plus_addend),
        cmocka_unit_test(app_elf_loaded_at_two_bases_differs_only_by_the_base),
        T(built_elf_inspects),
        T(relative_relocation_writes_base_plus_addend),
        T(none_relocation_is_skipped),
        T(elf_without_dynamic_segment_loads_unrelocated),
        T(not_an_elf_is_rejected),
        T(file_shorter_than_a_header_is_rejected),
        T(elf32_is_rejected),
        T(big_endian_elf_is_rejected),
        T(wrong_machine_is_rejected),
        T(et_exec_is_rejected),
        T(program_headers_past_end_of_file_are_rejected),
        T(too_many_program_headers_are_rejected),
        T(program_header_size_mismatch_is_rejected),
        T(misaligned_program_headers_are_rejected),
        T(segment_past_end_of_file_is_rejected),
        T(segment_offset_past_end_of_file_is_rejected),
        T(segment_with_more_file_than_memory_bytes_is_rejected),
        T(segment_beyond_image_size_limit_is_rejected),
        T(elf_without_loadable_segment_is_rejected),
        T(entry_outside_image_is_rejected),
        T(unsupported_relocation_type_is_rejected),
        T(relocation_target_outside_image_is_rejected),
        T(relocation_target_near_uint64_max_is_rejected),
        T(relocation_table_outside_image_is_rejected),
        T(relocation_table_size_past_image_is_rejected),
        T(relocation_entry_size_mismatch_is_rejected),
        T(dynamic_segment_outside_image_is_rejected),
        T(writable_and_executable_segment_is_rejected),
        T(segments_are_reported_with_their_permissions),
        T(segments_with_different_permissions_in_one_page_are_rejected),
        T(partial_relocation_entry_at_image_end_is_not_read),
    };
#undef T
    return cmocka_run_group_tests_name("elf", tests, load_app, free_app);
}

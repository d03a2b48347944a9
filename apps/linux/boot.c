// Loading the guest: the arm64 Image (checked by its header), the initramfs after it,
// the device tree in the last 2 MiB of RAM, then the vCPU reset to the Image's entry
// with x0 = the device tree (Documentation/arm64/booting.rst).
#include "vmm.h"

#include <string.h>

#define IMAGE_MAGIC 0x644d5241u // "ARM\x64" at offset 0x38
#define IMAGE_HDR_SIZE 64u
#define IMAGE_FLAG_BE 1u // flags bit 0: a big-endian kernel
#define SZ_2M (2ull << 20)
#define DTB_MAX SZ_2M // booting.rst: at most 2 MiB, in its own 2 MiB block

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

ftl_err_t image_parse(const uint8_t *hdr, size_t len, struct image_info *out)
{
    if (len < IMAGE_HDR_SIZE) {
        return FTL_ERR_PARSE;
    }
    uint32_t magic = (uint32_t)get_le64(hdr + 0x38);
    if (magic != IMAGE_MAGIC) {
        return FTL_ERR_PARSE;
    }
    struct image_info info = {
        .text_offset = get_le64(hdr + 0x08),
        .image_size = get_le64(hdr + 0x10),
        .flags = get_le64(hdr + 0x18),
    };
    if (info.flags & IMAGE_FLAG_BE) {
        return FTL_ERR_PARSE;
    }
    // Before Linux 3.17 image_size was 0 and text_offset meant 0x80000 (booting.rst).
    if (info.image_size == 0) {
        info.text_offset = 0x80000;
    }
    if (info.text_offset >= SZ_2M || (info.text_offset & 0xfff) != 0) {
        return FTL_ERR_PARSE;
    }
    *out = info;
    return FTL_OK;
}

// Loads the Image at RAM + 2 MiB (+ text_offset): returns its entry and its end.
static ftl_err_t load_image(struct guest_ram *g, uint64_t *out_entry, uint64_t *out_end)
{
    uint64_t base = FTL_VM_RAM_BASE + SZ_2M;
    size_t size;
    ftl_err_t err = ftl_vm_load(g->vm, "Image", base, &size);
    if (err != FTL_OK) {
        FTL_ERROR("linux: cannot load the kernel 'Image': %s", ftl_err_str(err));
        return err;
    }
    struct image_info info;
    if (image_parse(guest_ptr(g, base, size), size, &info) != FTL_OK) {
        FTL_ERROR("linux: 'Image' (%zu bytes) is not an arm64 Linux Image (no 'ARM\\x64' "
                  "magic at 0x38, or big-endian, or a bad text_offset)",
                  size);
        return FTL_ERR_PARSE;
    }
    uint64_t image_size = info.image_size ? info.image_size : align_up(size, SZ_2M) + SZ_2M;
    uint64_t entry = base + info.text_offset;
    if (image_size < size || !guest_ptr(g, entry, image_size)) {
        FTL_ERROR("linux: the kernel needs %llu bytes; it does not fit in guest RAM",
                  (unsigned long long)image_size);
        return FTL_ERR_TOO_LARGE;
    }
    if (info.text_offset != 0) {
        memmove(guest_ptr(g, entry, size), guest_ptr(g, base, size), size);
    }
    // BSS and whatever follows the file up to image_size must read as zero.
    memset(guest_ptr(g, entry + size, image_size - size), 0, image_size - size);
    *out_entry = entry;
    *out_end = entry + image_size;
    return FTL_OK;
}

ftl_err_t linux_boot(struct guest_ram *g, const char *bootargs)
{
    uint64_t entry, kernel_end;
    ftl_err_t err = load_image(g, &entry, &kernel_end);
    if (err != FTL_OK) {
        return err;
    }
    uint64_t dtb_gpa = FTL_VM_RAM_BASE + g->size - DTB_MAX;
    uint64_t initrd = align_up(kernel_end, SZ_2M);
    size_t initrd_size = 0;
    err = initrd < dtb_gpa ? ftl_vm_load(g->vm, "initramfs.cpio", initrd, &initrd_size)
                           : FTL_ERR_TOO_LARGE;
    if (err == FTL_ERR_NOT_FOUND) {
        FTL_WARN("linux: no 'initramfs.cpio'; booting without an initramfs");
        initrd_size = 0;
    } else if (err != FTL_OK || initrd + initrd_size > dtb_gpa) {
        FTL_ERROR("linux: the initramfs does not fit below the device tree (%s)",
                  ftl_err_str(err == FTL_OK ? FTL_ERR_TOO_LARGE : err));
        return err == FTL_OK ? FTL_ERR_TOO_LARGE : err;
    }
    struct dtb_params p = {
        .ram_bytes = g->size,
        .initrd_start = initrd,
        .initrd_end = initrd + initrd_size,
        .bootargs = bootargs,
    };
    size_t dtb_len;
    err = dtb_build(&p, guest_ptr(g, dtb_gpa, DTB_MAX), DTB_MAX, &dtb_len);
    if (err != FTL_OK) {
        FTL_ERROR("linux: cannot build the device tree: %s", ftl_err_str(err));
        return err;
    }
    err = ftl_vm_boot(g->vm, entry, dtb_gpa);
    if (err != FTL_OK) {
        FTL_ERROR("linux: ftl_vm_boot: %s", ftl_err_str(err));
        return err;
    }
    FTL_INFO("linux: booting: kernel %llu KiB at %#llx, initramfs %zu KiB at %#llx, "
             "device tree %zu bytes at %#llx",
             (unsigned long long)((kernel_end - entry) >> 10), (unsigned long long)entry,
             initrd_size >> 10, (unsigned long long)initrd, dtb_len, (unsigned long long)dtb_gpa);
    return FTL_OK;
}

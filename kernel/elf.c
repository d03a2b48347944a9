// ELF64 app loader. Every offset and size from the file is checked before use:
// the file comes from the boot image today and from apps later.
#include "elf.h"

#define EM_AARCH64 183
#define ET_DYN 3
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define R_AARCH64_NONE 0
#define R_AARCH64_RELATIVE 1027
#define IMAGE_MAX (64u << 20)
#define MAP_PAGE 4096u // the granule user mappings are made of

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

static const struct phdr *phdrs(const void *file)
{
    const struct ehdr *eh = file;
    return (const struct phdr *)((const uint8_t *)file + eh->phoff);
}

// A page is mapped with one set of permissions: two segments with different ones must
// not share a page (an executable page the kernel would also let the app write to).
static bool segments_share_a_page(const struct elf_info *info)
{
    for (size_t i = 0; i < info->nsegments; i++) {
        for (size_t k = i + 1; k < info->nsegments; k++) {
            const struct elf_segment *a = &info->segments[i];
            const struct elf_segment *b = &info->segments[k];
            if (a->prot != b->prot && a->memsz && b->memsz &&
                a->vaddr / MAP_PAGE <= (b->vaddr + b->memsz - 1) / MAP_PAGE &&
                b->vaddr / MAP_PAGE <= (a->vaddr + a->memsz - 1) / MAP_PAGE) {
                return true;
            }
        }
    }
    return false;
}

ftl_err_t elf_inspect(const void *file, size_t len, struct elf_info *out, const char **why)
{
    const struct ehdr *eh = file;
    *why = NULL;
    if (len < sizeof(*eh) || memcmp(eh->ident, "\x7f" "ELF", 4) != 0) {
        *why = "not an ELF file";
    } else if (eh->ident[4] != 2 || eh->ident[5] != 1) {
        *why = "not a 64-bit little-endian ELF";
    } else if (eh->machine != EM_AARCH64) {
        *why = "not an aarch64 ELF";
    } else if (eh->type != ET_DYN) {
        *why = "not position-independent (link apps with -pie)";
    } else if (eh->phentsize != sizeof(struct phdr) || eh->phoff > len ||
               (uint64_t)eh->phnum * sizeof(struct phdr) > len - eh->phoff ||
               (eh->phoff & 7)) {
        *why = "program headers out of bounds";
    }
    if (*why) {
        return FTL_ERR_PARSE;
    }
    uint64_t end = 0;
    out->nsegments = 0;
    for (uint16_t i = 0; i < eh->phnum; i++) {
        const struct phdr *ph = &phdrs(file)[i];
        if (ph->type != PT_LOAD) {
            continue;
        }
        if (ph->offset > len || ph->filesz > len - ph->offset || ph->filesz > ph->memsz ||
            ph->vaddr > IMAGE_MAX || ph->memsz > IMAGE_MAX - ph->vaddr) {
            *why = "a loadable segment is out of bounds";
            return FTL_ERR_PARSE;
        }
        if ((ph->flags & ELF_PROT_WRITE) && (ph->flags & ELF_PROT_EXEC)) {
            *why = "a segment is both writable and executable";
            return FTL_ERR_PARSE;
        }
        if (out->nsegments == ELF_SEGMENTS_MAX) {
            *why = "too many loadable segments";
            return FTL_ERR_PARSE;
        }
        out->segments[out->nsegments++] = (struct elf_segment){
            .vaddr = ph->vaddr,
            .memsz = ph->memsz,
            .prot = ph->flags & (ELF_PROT_READ | ELF_PROT_WRITE | ELF_PROT_EXEC),
        };
        if (ph->vaddr + ph->memsz > end) {
            end = ph->vaddr + ph->memsz;
        }
    }
    if (end == 0 || eh->entry >= end) {
        *why = end == 0 ? "no loadable segment" : "entry point outside the image";
        return FTL_ERR_PARSE;
    }
    if (segments_share_a_page(out)) {
        *why = "two segments with different permissions share a page";
        return FTL_ERR_PARSE;
    }
    out->mem_size = (size_t)end;
    out->entry = eh->entry;
    return FTL_OK;
}

static ftl_err_t apply_relocations(const struct dyn *dyn, size_t ndyn, uint8_t *dest,
                                   size_t size, uint64_t base, const char **why)
{
    uint64_t rela = 0, relasz = 0, relaent = sizeof(struct rela);
    for (size_t i = 0; i < ndyn && dyn[i].tag != DT_NULL; i++) {
        if (dyn[i].tag == DT_RELA) {
            rela = dyn[i].val;
        } else if (dyn[i].tag == DT_RELASZ) {
            relasz = dyn[i].val;
        } else if (dyn[i].tag == DT_RELAENT) {
            relaent = dyn[i].val;
        }
    }
    if (relaent != sizeof(struct rela) || rela > size || relasz > size - rela || (rela & 7) ||
        relasz % sizeof(struct rela) != 0) {
        *why = "relocation table out of bounds";
        return FTL_ERR_PARSE;
    }
    for (uint64_t off = 0; off < relasz; off += sizeof(struct rela)) {
        struct rela r;
        memcpy(&r, dest + rela + off, sizeof(r));
        uint32_t type = (uint32_t)r.info;
        if (type == R_AARCH64_NONE) {
            continue;
        }
        if (type != R_AARCH64_RELATIVE) {
            *why = "unsupported relocation (only R_AARCH64_RELATIVE; link with -static-pie)";
            return FTL_ERR_PARSE;
        }
        if (r.offset > size - 8) {
            *why = "relocation target outside the image";
            return FTL_ERR_PARSE;
        }
        uint64_t value = base + (uint64_t)r.addend;
        memcpy(dest + r.offset, &value, sizeof(value));
    }
    return FTL_OK;
}

ftl_err_t elf_load(const void *file, size_t len, const struct elf_info *info, uint8_t *dest,
                   uint64_t base, const char **why)
{
    const struct ehdr *eh = file;
    const struct phdr *dynamic = NULL;
    (void)len; // bounds were checked by elf_inspect
    for (uint16_t i = 0; i < eh->phnum; i++) {
        const struct phdr *ph = &phdrs(file)[i];
        if (ph->type == PT_LOAD) {
            memcpy(dest + ph->vaddr, (const uint8_t *)file + ph->offset, ph->filesz);
        } else if (ph->type == PT_DYNAMIC) {
            dynamic = ph;
        }
    }
    if (!dynamic) {
        return FTL_OK; // nothing to relocate
    }
    if (dynamic->vaddr > info->mem_size || dynamic->memsz > info->mem_size - dynamic->vaddr ||
        (dynamic->vaddr & 7)) {
        *why = "dynamic section out of bounds";
        return FTL_ERR_PARSE;
    }
    return apply_relocations((const struct dyn *)(const void *)(dest + dynamic->vaddr),
                             dynamic->memsz / sizeof(struct dyn), dest, info->mem_size, base,
                             why);
}

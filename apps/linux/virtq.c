// Split virtqueues (virtio 1.1 §2.6) read from guest RAM. The guest is hostile input:
// every ring index is bounded by the queue size, every descriptor's address and length
// is checked against guest RAM, chains are at most the queue size long (so a loop
// ends), and a bad queue is an error the caller turns into DEVICE_NEEDS_RESET.
// The guest is stopped while the app runs (one vCPU, synchronous exits), but it wrote
// the rings on another CPU of the host before: the barriers order our reads after
// the index we read, and our used-ring writes before the index we publish.
#include "vmm.h"

#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

static bool is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

ftl_err_t virtq_check(const struct virtq *q, const struct guest_ram *g)
{
    if (!is_pow2(q->num) || q->num > VIRTQ_NUM_MAX) {
        return FTL_ERR_INVALID_ARG;
    }
    // Sizes and alignments of virtio 1.1 §2.6: descriptors 16, available 2, used 4.
    bool ok = (q->desc_gpa & 15) == 0 && (q->avail_gpa & 1) == 0 && (q->used_gpa & 3) == 0 &&
              guest_ptr(g, q->desc_gpa, 16ull * q->num) &&
              guest_ptr(g, q->avail_gpa, 6 + 2ull * q->num) &&
              guest_ptr(g, q->used_gpa, 6 + 8ull * q->num);
    return ok ? FTL_OK : FTL_ERR_INVALID_ARG;
}

static ftl_err_t walk_chain(const struct virtq *q, const struct guest_ram *g, bool writable,
                            uint16_t head, struct virtq_chain *out)
{
    volatile struct virtq_desc *table = guest_ptr(g, q->desc_gpa, 16ull * q->num);
    if (!table) {
        return FTL_ERR_INVALID_ARG;
    }
    out->head = head;
    out->nsegs = 0;
    out->total = 0;
    uint16_t i = head;
    for (;;) {
        if (i >= q->num || out->nsegs == q->num) {
            return FTL_ERR_INVALID_ARG; // past the table, or longer than it: a loop
        }
        uint64_t addr = table[i].addr;
        uint32_t len = table[i].len;
        uint16_t flags = table[i].flags;
        uint16_t next = table[i].next;
        if ((flags & VIRTQ_DESC_F_INDIRECT) || !!(flags & VIRTQ_DESC_F_WRITE) != writable) {
            return FTL_ERR_INVALID_ARG;
        }
        uint8_t *p = guest_ptr(g, addr, len);
        if (!p) {
            return FTL_ERR_INVALID_ARG;
        }
        out->segs[out->nsegs++] = (struct virtq_seg){.ptr = p, .len = len};
        out->total += len;
        if (!(flags & VIRTQ_DESC_F_NEXT)) {
            return FTL_OK;
        }
        i = next;
    }
}

ftl_err_t virtq_pop(struct virtq *q, const struct guest_ram *g, bool writable,
                    struct virtq_chain *out)
{
    if (!q->ready || virtq_check(q, g) != FTL_OK) {
        return FTL_ERR_INVALID_ARG;
    }
    volatile uint16_t *avail = guest_ptr(g, q->avail_gpa, 6 + 2ull * q->num);
    uint16_t idx = avail[1];
    if (idx == q->last_avail) {
        return FTL_ERR_EMPTY;
    }
    if ((uint16_t)(idx - q->last_avail) > q->num) {
        return FTL_ERR_INVALID_ARG; // more entries than the ring holds
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE); // the ring entry and descriptors after idx
    uint16_t head = avail[2 + q->last_avail % q->num];
    ftl_err_t err = walk_chain(q, g, writable, head, out);
    if (err != FTL_OK) {
        return err;
    }
    q->last_avail++;
    return FTL_OK;
}

ftl_err_t virtq_push(struct virtq *q, const struct guest_ram *g, uint16_t head, uint32_t written)
{
    if (!q->ready || virtq_check(q, g) != FTL_OK) {
        return FTL_ERR_INVALID_ARG;
    }
    volatile uint8_t *used = guest_ptr(g, q->used_gpa, 6 + 8ull * q->num);
    volatile uint32_t *elem = (volatile uint32_t *)(used + 4 + 8 * (q->used_idx % q->num));
    elem[0] = head;
    elem[1] = written;
    __atomic_thread_fence(__ATOMIC_RELEASE); // the element before the index
    q->used_idx++;
    *(volatile uint16_t *)(used + 2) = q->used_idx;
    return FTL_OK;
}

bool virtq_wants_interrupt(const struct virtq *q, const struct guest_ram *g)
{
    // VIRTQ_AVAIL_F_NO_INTERRUPT (virtio 1.1 §2.6.7): the driver polls this queue (Linux's
    // hvc console spins on its transmit queue), so an interrupt would only cost it two
    // exits and a handler.
    volatile uint16_t *avail = guest_ptr(g, q->avail_gpa, 2);
    return !avail || !(avail[0] & 1);
}

// The libext2fs I/O manager of the fs server: blocks come from the virtio_blk driver over
// the block protocol (<ftl/blk.h>), through a cache of 4 KiB pages.
//
// - Reads: a cached page is a hit; a miss reads the page and, when the reads look
//   sequential, the next READAHEAD pages too, all in flight at once.
// - Writes go to the cache and straight to the device without waiting for the reply
//   (up to FTL_BLK_INFLIGHT_MAX in flight). The device may reorder requests in flight, so
//   a page changed while its write is in flight is written again once that write
//   finished, with every change made meanwhile (an inode table page rewritten for each
//   block a file grows by goes out a few times, not once per block). A failed write is
//   remembered and reported by the next flush.
// - Flush (fsync, and libext2fs's own) waits for every write's reply, then sends FLUSH:
//   when it returns, every write before it is on stable storage.
#include <ftl.h>
#include <ftl/blk.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

#define PAGE 4096
#define PAGES 2048   // 8 MiB of cache
#define BUCKETS 4096 // hash buckets, a power of 2
#define READAHEAD 16
#define INFLIGHT FTL_BLK_INFLIGHT_MAX

struct page {
    uint64_t no;  // byte offset / PAGE
    int32_t next; // hash chain; -1 ends it
    bool valid;   // data is the disk's (or newer)
    bool reading; // a READ for it is in flight
    bool rewrite; // changed while its last write was in flight: write it again after
    bool used;    // in a hash chain
    bool ref;     // the clock's second chance
    uint8_t data[PAGE];
};

struct req {
    bool used;
    bool write;
    uint16_t tag;
    uint64_t no;  // page
    int32_t page; // reads: the page slot the data goes to; -1 for writes and flushes
};

static struct page *pages;
static int32_t buckets[BUCKETS];
static uint32_t clock_hand;
static struct req reqs[INFLIGHT];
static uint32_t ninflight;
static uint16_t next_tag = 1;
static ftl_handle_t blk, blk_poll;
static uint64_t disk_bytes;
static errcode_t write_failed; // sticky until the next flush reports it
static uint64_t last_miss = UINT64_MAX;
static int32_t rewrites[PAGES]; // pages whose rewrite can go now (their write finished)
static uint32_t nrewrites;
static struct ftl_msg reply;
struct blkio_stats blkio_stats;

static uint32_t bucket_of(uint64_t no)
{
    return (uint32_t)((no * 0x9e3779b97f4a7c15ull) >> 52) & (BUCKETS - 1);
}

static int32_t page_find(uint64_t no)
{
    for (int32_t i = buckets[bucket_of(no)]; i >= 0; i = pages[i].next) {
        if (pages[i].no == no) {
            return i;
        }
    }
    return -1;
}

static void page_unhash(int32_t i)
{
    int32_t *link = &buckets[bucket_of(pages[i].no)];
    while (*link != i) {
        link = &pages[*link].next;
    }
    *link = pages[i].next;
    pages[i].used = false;
    pages[i].valid = false;
}

// A free page slot for `no`, evicting by the clock; never one with a read in flight.
static int32_t page_alloc(uint64_t no)
{
    for (;;) {
        struct page *p = &pages[clock_hand];
        int32_t i = (int32_t)clock_hand;
        clock_hand = (clock_hand + 1) % PAGES;
        if (p->reading || p->rewrite) {
            continue;
        }
        if (p->used && p->ref) {
            p->ref = false;
            continue;
        }
        if (p->used) {
            page_unhash(i);
        }
        p->no = no;
        p->used = true;
        p->ref = true;
        p->valid = false;
        uint32_t b = bucket_of(no);
        p->next = buckets[b];
        buckets[b] = i;
        return i;
    }
}

static ftl_err_t reply_err(const struct ftl_msg *m)
{
    ftl_err_t err = FTL_ERR_BUSY;
    if (m->type == FTL_MSG_ERROR_REPLY && m->len >= 4) {
        memcpy(&err, m->data, 4);
    }
    return err;
}

// Handles one reply from the driver; waits for one when `wait`. FTL_ERR_EMPTY when
// nothing came and `wait` is false; FTL_ERR_PEER_CLOSED if the driver is gone.
static ftl_err_t pump(bool wait)
{
    for (;;) {
        ftl_err_t err = ftl_channel_recv(blk, &reply);
        if (err == FTL_ERR_EMPTY && wait) {
            struct ftl_event ev;
            err = ftl_poll_wait(blk_poll, FTL_NO_TIMEOUT, &ev);
            if (err != FTL_OK) {
                return err;
            }
            continue;
        }
        if (err != FTL_OK) {
            return err;
        }
        uint16_t tag = (uint16_t)ftl_blk_cookie_tag(reply.cookie);
        for (uint32_t i = 0; i < INFLIGHT; i++) {
            struct req *r = &reqs[i];
            if (!r->used || r->tag != tag) {
                continue;
            }
            r->used = false;
            ninflight--;
            bool ok = reply.type == FTL_MSG_DATA;
            if (r->page < 0) { // a write or a flush
                int32_t i = r->write ? page_find(r->no) : -1;
                if (i >= 0 && pages[i].rewrite) {
                    rewrites[nrewrites++] = i; // sent by rewrites_send, not from here
                }
                if (!ok) {
                    FTL_ERROR("fs: the disk failed a %s of page %llu: %s",
                              r->write ? "write" : "flush", (unsigned long long)r->no,
                              ftl_err_str(reply_err(&reply)));
                    write_failed = EIO;
                }
            } else {
                struct page *p = &pages[r->page];
                p->reading = false;
                if (ok && reply.len == PAGE) {
                    memcpy(p->data, reply.data, PAGE);
                    p->valid = true;
                } else {
                    page_unhash(r->page); // the waiting reader sees it missing and fails
                }
            }
            return FTL_OK;
        }
        FTL_WARN("fs: a disk reply with an unknown tag %u", (unsigned)tag);
    }
}

// Sends one request, waiting for a free request slot (or queue room) first.
static ftl_err_t submit(uint32_t op, uint64_t no, int32_t page, const void *data, size_t len)
{
    while (ninflight >= INFLIGHT) {
        ftl_err_t err = pump(true);
        if (err != FTL_OK) {
            return err;
        }
    }
    uint16_t tag = next_tag++;
    if (next_tag == 0) {
        next_tag = 1;
    }
    uint32_t n = PAGE;
    uint64_t cookie = ftl_blk_cookie(op, tag, no * (PAGE / FTL_BLK_SECTOR));
    const void *payload = op == FTL_BLK_READ ? (const void *)&n : data;
    size_t plen = op == FTL_BLK_READ ? 4 : len;
    for (;;) {
        ftl_err_t err = ftl_channel_send(blk, FTL_MSG_DATA, cookie, payload, plen, NULL, 0);
        if (err == FTL_ERR_FULL) {
            err = pump(true);
            if (err != FTL_OK) {
                return err;
            }
            continue;
        }
        if (err != FTL_OK) {
            return err;
        }
        break;
    }
    for (uint32_t i = 0; i < INFLIGHT; i++) {
        if (!reqs[i].used) {
            reqs[i] = (struct req){
                .used = true, .write = op == FTL_BLK_WRITE, .tag = tag, .no = no, .page = page};
            ninflight++;
            break;
        }
    }
    return FTL_OK;
}

static bool write_inflight(uint64_t no)
{
    for (uint32_t i = 0; i < INFLIGHT; i++) {
        if (reqs[i].used && reqs[i].write && reqs[i].no == no) {
            return true;
        }
    }
    return false;
}

// Writes again the pages that changed while their previous write was in flight.
static ftl_err_t rewrites_send(void)
{
    while (nrewrites > 0) {
        int32_t i = rewrites[--nrewrites];
        pages[i].rewrite = false;
        blkio_stats.rewrites++;
        ftl_err_t err = submit(FTL_BLK_WRITE, pages[i].no, -1, pages[i].data, PAGE);
        if (err != FTL_OK) {
            return err;
        }
    }
    return FTL_OK;
}

static void readahead(uint64_t no)
{
    for (uint64_t n = no + 1; n <= no + READAHEAD && (n + 1) * PAGE <= disk_bytes; n++) {
        if (page_find(n) >= 0 || ninflight >= INFLIGHT - 1 || write_inflight(n)) {
            continue;
        }
        int32_t i = page_alloc(n);
        pages[i].reading = true;
        if (submit(FTL_BLK_READ, n, i, NULL, 0) != FTL_OK) {
            page_unhash(i);
            pages[i].reading = false;
            return;
        }
        blkio_stats.readahead++;
    }
}

// The cached page `no`, read from the disk if needed.
static errcode_t page_get(uint64_t no, struct page **out)
{
    if ((no + 1) * PAGE > disk_bytes) {
        return EXT2_ET_LLSEEK_FAILED;
    }
    for (;;) {
        int32_t i = page_find(no);
        if (i >= 0 && pages[i].valid) {
            pages[i].ref = true;
            blkio_stats.hits++;
            *out = &pages[i];
            return 0;
        }
        if (i >= 0 && pages[i].reading) {
            if (pump(true) != FTL_OK) {
                return EIO;
            }
            continue;
        }
        if (i >= 0) { // a read that failed: the page was unhashed, so this is a new miss
            return EIO;
        }
        while (write_inflight(no)) { // the device may reorder a read before a write
            if (pump(true) != FTL_OK) {
                return EIO;
            }
        }
        i = page_alloc(no);
        pages[i].reading = true;
        blkio_stats.misses++;
        if (submit(FTL_BLK_READ, no, i, NULL, 0) != FTL_OK) {
            page_unhash(i);
            pages[i].reading = false;
            return EIO;
        }
        if (last_miss + 1 == no) {
            readahead(no);
        }
        last_miss = no;
        while (pages[i].reading) {
            if (pump(true) != FTL_OK) {
                return EIO;
            }
        }
        if (!pages[i].valid || pages[i].no != no) {
            return EIO;
        }
        *out = &pages[i];
        return 0;
    }
}

static errcode_t rw(io_channel ch, unsigned long long block, int count, void *rbuf,
                    const void *wbuf)
{
    uint64_t off = (uint64_t)block * (uint64_t)ch->block_size;
    uint64_t len = count < 0 ? (uint64_t)-count : (uint64_t)count * (uint64_t)ch->block_size;
    if (off > disk_bytes || len > disk_bytes - off) {
        return EXT2_ET_LLSEEK_FAILED;
    }
    while (len > 0) {
        uint64_t no = off / PAGE;
        size_t in = (size_t)(off % PAGE);
        size_t n = PAGE - in < len ? PAGE - in : (size_t)len;
        struct page *p;
        errcode_t err;
        if (wbuf && n == PAGE) { // a whole page: no need to read it first
            int32_t i = page_find(no);
            while (i >= 0 && pages[i].reading) {
                if (pump(true) != FTL_OK) {
                    return EIO;
                }
                i = page_find(no);
            }
            if (i < 0) {
                i = page_alloc(no);
            }
            p = &pages[i];
            p->valid = true;
            p->ref = true;
        } else {
            err = page_get(no, &p);
            if (err) {
                return err;
            }
        }
        if (rbuf) {
            memcpy((uint8_t *)rbuf, p->data + in, n);
            rbuf = (uint8_t *)rbuf + n;
        } else {
            memcpy(p->data + in, wbuf, n);
            wbuf = (const uint8_t *)wbuf + n;
            blkio_stats.writes++;
            // The device may reorder requests in flight: a page is written again only
            // after its last write finished. Until then changes collect in the cache.
            if (p->rewrite) {
                blkio_stats.merged++;
            } else if (write_inflight(no)) {
                p->rewrite = true;
            } else if (submit(FTL_BLK_WRITE, no, -1, p->data, PAGE) != FTL_OK) {
                return EIO;
            }
        }
        if (rewrites_send() != FTL_OK) {
            return EIO;
        }
        off += n;
        len -= n;
    }
    return 0;
}

static errcode_t blk_read(io_channel ch, unsigned long long block, int count, void *data)
{
    return rw(ch, block, count, data, NULL);
}

static errcode_t blk_write(io_channel ch, unsigned long long block, int count, const void *data)
{
    return rw(ch, block, count, NULL, data);
}

static errcode_t blk_read32(io_channel ch, unsigned long block, int count, void *data)
{
    return rw(ch, block, count, data, NULL);
}

static errcode_t blk_write32(io_channel ch, unsigned long block, int count, const void *data)
{
    return rw(ch, block, count, NULL, data);
}

errcode_t blkio_flush_all(void)
{
    while (ninflight > 0 || nrewrites > 0) {
        if (rewrites_send() != FTL_OK || (ninflight > 0 && pump(true) != FTL_OK)) {
            return EIO;
        }
    }
    if (write_failed) {
        errcode_t err = write_failed;
        write_failed = 0;
        return err;
    }
    if (submit(FTL_BLK_FLUSH, 0, -1, NULL, 0) != FTL_OK) {
        return EIO;
    }
    // The FLUSH is the only request left in flight; its reply ends the wait.
    while (ninflight > 0) {
        if (pump(true) != FTL_OK) {
            return EIO;
        }
    }
    blkio_stats.flushes++;
    if (write_failed) { // the FLUSH itself failed
        write_failed = 0;
        return EIO;
    }
    return 0;
}

static errcode_t blk_flush(io_channel ch)
{
    (void)ch;
    return blkio_flush_all();
}

static errcode_t blk_set_blksize(io_channel ch, int blksize)
{
    ch->block_size = blksize;
    return 0;
}

static errcode_t blk_close(io_channel ch)
{
    errcode_t err = blkio_flush_all();
    free(ch->name);
    free(ch);
    return err;
}

static errcode_t blk_set_option(io_channel ch, const char *option, const char *arg)
{
    (void)ch;
    (void)option;
    (void)arg;
    return EXT2_ET_INVALID_ARGUMENT;
}

static errcode_t blk_open(const char *name, int flags, io_channel *out);

static struct struct_io_manager blk_manager = {
    .magic = EXT2_ET_MAGIC_IO_MANAGER,
    .name = "FTL block protocol I/O manager",
    .open = blk_open,
    .close = blk_close,
    .set_blksize = blk_set_blksize,
    .read_blk = blk_read32,
    .write_blk = blk_write32,
    .flush = blk_flush,
    .set_option = blk_set_option,
    .read_blk64 = blk_read,
    .write_blk64 = blk_write,
};
io_manager blkio_manager = &blk_manager;

static errcode_t blk_open(const char *name, int flags, io_channel *out)
{
    (void)flags;
    io_channel ch = calloc(1, sizeof(*ch));
    if (!ch) {
        return EXT2_ET_NO_MEMORY;
    }
    ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    ch->manager = blkio_manager;
    size_t n = strlen(name) + 1;
    ch->name = malloc(n);
    ch->block_size = 1024;
    ch->refcount = 1;
    if (ch->name) {
        memcpy(ch->name, name, n);
    } else {
        free(ch);
        return EXT2_ET_NO_MEMORY;
    }
    *out = ch;
    return 0;
}

ftl_err_t blkio_init(ftl_handle_t ch, struct ftl_blk_info *out_info)
{
    blk = ch;
    pages = calloc(PAGES, sizeof(*pages));
    if (!pages) {
        return FTL_ERR_NO_MEMORY;
    }
    for (uint32_t i = 0; i < BUCKETS; i++) {
        buckets[i] = -1;
    }
    ftl_err_t err = ftl_poll_create(&blk_poll);
    if (err == FTL_OK) {
        err = ftl_poll_add(blk_poll, blk, FTL_READABLE, NULL);
    }
    if (err == FTL_OK) {
        err = ftl_channel_send(blk, FTL_MSG_DATA, ftl_blk_cookie(FTL_BLK_INFO, 0, 0), NULL, 0, NULL,
                               0);
    }
    while (err == FTL_OK) {
        err = ftl_channel_recv(blk, &reply);
        if (err == FTL_ERR_EMPTY) {
            struct ftl_event ev;
            err = ftl_poll_wait(blk_poll, FTL_NO_TIMEOUT, &ev);
            continue;
        }
        if (err == FTL_OK && reply.type == FTL_MSG_DATA && reply.len == sizeof(*out_info)) {
            memcpy(out_info, reply.data, sizeof(*out_info));
            disk_bytes = out_info->sectors * FTL_BLK_SECTOR;
            return FTL_OK;
        }
        if (err == FTL_OK) {
            err = reply_err(&reply);
        }
    }
    return err;
}

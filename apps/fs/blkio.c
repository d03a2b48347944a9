// The libext2fs I/O manager of the fs server: blocks come from the virtio_blk driver over
// the block protocol (<ftl/blk.h>), through a write-back cache of 4 KiB pages.
//
// - Reads: a cached page is a hit; a miss reads the page. Sequential reads are read
//   ahead READAHEAD pages in front of the reader, kept in flight while it reads (a page
//   that came by read-ahead tops the window up when it is first used).
// - Writes only change the cached page and mark it dirty. Dirty pages go to the device
//   in ascending order, several at a time without waiting, once more than DIRTY_START are
//   dirty (a writer never waits for the device until DIRTY_MAX are), and all of them at a
//   flush. A page changed while its write is in flight is dirty again and is written
//   again only after that write's reply (the device may reorder requests in flight). A
//   block that is written many times between flushes (the inode table page of a growing
//   file, a block libext2fs zeroes before its data is written) reaches the device once.
//   A failed write is remembered and reported by the next flush.
// - Flush (fsync, and libext2fs's own) writes every dirty page, waits for every reply,
//   then sends FLUSH: when it returns, every write before it is on stable storage.
#include <ftl.h>
#include <ftl/blk.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

#define PAGE 4096
#define PAGES 2048   // 8 MiB of cache
#define BUCKETS 4096 // hash buckets, a power of 2
#define READAHEAD 32 // pages read ahead of a sequential reader
#define INFLIGHT FTL_BLK_INFLIGHT_MAX
#define RA_SLOTS (INFLIGHT - 8) // read-ahead leaves the rest to demand reads and writes
#define DIRTY_START 256         // dirty pages that start write-back (1 MiB)
#define DIRTY_MAX 1024          // dirty pages a writer waits below (4 MiB)

struct page {
    uint64_t no;  // byte offset / PAGE
    int32_t next; // hash chain; -1 ends it
    bool valid;   // data is the disk's (or newer)
    bool reading; // a READ for it is in flight
    bool writing; // a WRITE of it is in flight (it stays in the cache until the reply)
    bool dirty;   // changed since its last write was sent
    bool used;    // in a hash chain
    bool ref;     // the clock's second chance
    bool ra;      // came by read-ahead and not used yet
    uint8_t data[PAGE];
};

struct req {
    bool used;
    uint8_t op;   // FTL_BLK_*
    uint16_t tag;
    uint64_t no;  // page
    int32_t page; // reads and writes: the page slot; -1 for flushes
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
static uint64_t ra_next; // the page after the last one read ahead
static uint32_t ndirty;
static int32_t wb[PAGES]; // write-back batch: dirty page slots by ascending page number
static uint32_t wb_len, wb_pos;
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
    pages[i].ra = false;
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
            if (r->op != FTL_BLK_READ) { // a write or a flush
                if (r->page >= 0) {
                    pages[r->page].writing = false;
                }
                if (!ok) {
                    FTL_ERROR("fs: the disk failed a %s of page %llu: %s",
                              r->op == FTL_BLK_WRITE ? "write" : "flush",
                              (unsigned long long)r->no, ftl_err_str(reply_err(&reply)));
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
static ftl_err_t submit(uint32_t op, uint64_t no, int32_t page)
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
    const void *payload = op == FTL_BLK_READ ? (const void *)&n : pages[page].data;
    size_t plen = op == FTL_BLK_READ ? 4 : op == FTL_BLK_WRITE ? PAGE : 0;
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
            reqs[i] = (struct req){.used = true, .op = (uint8_t)op, .tag = tag, .no = no, .page = page};
            ninflight++;
            break;
        }
    }
    return FTL_OK;
}

// Sends the write of dirty page slot `i` (its data is copied into the message).
static ftl_err_t page_write(int32_t i)
{
    struct page *p = &pages[i];
    p->dirty = false;
    p->writing = true;
    ndirty--;
    blkio_stats.writes++;
    ftl_err_t err = submit(FTL_BLK_WRITE, p->no, i);
    if (err != FTL_OK) {
        p->writing = false;
        write_failed = EIO;
    }
    return err;
}

static int wb_cmp(const void *a, const void *b)
{
    uint64_t x = pages[*(const int32_t *)a].no, y = pages[*(const int32_t *)b].no;
    return x < y ? -1 : x > y;
}

// Sends dirty pages in ascending order while request slots are free (all of them, one
// after the other, when `all`). Pages whose previous write is still in flight wait for
// the next batch.
static ftl_err_t write_back(bool all)
{
    for (;;) {
        if (!all && ninflight >= INFLIGHT) {
            return FTL_OK;
        }
        if (wb_pos == wb_len) {
            wb_pos = wb_len = 0;
            for (int32_t i = 0; i < PAGES; i++) {
                if (pages[i].dirty && !pages[i].writing) {
                    wb[wb_len++] = i;
                }
            }
            if (wb_len == 0) {
                return FTL_OK;
            }
            qsort(wb, wb_len, sizeof(wb[0]), wb_cmp);
        }
        while (wb_pos < wb_len) {
            if (!all && ninflight >= INFLIGHT) {
                return FTL_OK;
            }
            int32_t i = wb[wb_pos++];
            if (pages[i].dirty && !pages[i].writing) {
                ftl_err_t err = page_write(i);
                if (err != FTL_OK) {
                    return err;
                }
            }
        }
        if (!all) {
            return FTL_OK;
        }
    }
}

// Starts writing dirty pages back without waiting for the device, as request slots
// allow; a writer far ahead of the disk (DIRTY_MAX pages dirty) waits here.
static ftl_err_t write_back_kick(void)
{
    ftl_err_t err = write_back(false);
    while (err == FTL_OK && ndirty >= DIRTY_MAX) {
        err = pump(true);
        if (err == FTL_OK) {
            err = write_back(false);
        }
    }
    return err;
}

// The disk is gone with the cache full of changes nobody can write: they are dropped
// (the next flush fails with EIO), so the server goes on answering with errors.
static void drop_dirty(void)
{
    FTL_ERROR("fs: the disk is gone; %u changed pages are lost", (unsigned)ndirty);
    for (uint32_t i = 0; i < PAGES; i++) {
        if (pages[i].dirty || pages[i].writing || pages[i].reading) {
            pages[i].dirty = pages[i].writing = pages[i].reading = false;
            page_unhash((int32_t)i);
        }
    }
    for (uint32_t i = 0; i < INFLIGHT; i++) {
        reqs[i].used = false;
    }
    ninflight = ndirty = wb_len = wb_pos = 0;
    write_failed = EIO;
}

// A free page slot for `no`, evicting a clean page by the clock; never one with a read
// or a write in flight, never a dirty one.
static int32_t page_alloc(uint64_t no)
{
    for (uint32_t tries = 0;; tries++) {
        if (tries == 2 * PAGES) { // every page dirty or busy: make some clean
            tries = 0;
            if (write_back(false) != FTL_OK || (ninflight > 0 && pump(true) != FTL_OK)) {
                drop_dirty();
            }
        }
        struct page *p = &pages[clock_hand];
        int32_t i = (int32_t)clock_hand;
        clock_hand = (clock_hand + 1) % PAGES;
        if (p->reading || p->writing || p->dirty) {
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
        p->ra = false;
        uint32_t b = bucket_of(no);
        p->next = buckets[b];
        buckets[b] = i;
        return i;
    }
}

// Keeps READAHEAD pages after `no` read or in flight, as request slots allow.
static void readahead(uint64_t no)
{
    uint64_t n = ra_next > no && ra_next <= no + READAHEAD ? ra_next : no + 1;
    for (; n <= no + READAHEAD && (n + 1) * PAGE <= disk_bytes; n++) {
        if (page_find(n) >= 0) {
            continue;
        }
        if (ninflight >= RA_SLOTS) {
            break;
        }
        int32_t i = page_alloc(n);
        pages[i].reading = true;
        pages[i].ra = true;
        if (submit(FTL_BLK_READ, n, i) != FTL_OK) {
            page_unhash(i);
            pages[i].reading = false;
            break;
        }
        blkio_stats.readahead++;
    }
    ra_next = n;
}

// The cached page `no`, read from the disk if needed.
static errcode_t page_get(uint64_t no, struct page **out)
{
    if ((no + 1) * PAGE > disk_bytes) {
        return EXT2_ET_LLSEEK_FAILED;
    }
    for (;;) {
        int32_t i = page_find(no);
        if (i >= 0 && pages[i].ra) { // the reader reached the read-ahead: top it up
            pages[i].ra = false;
            readahead(no);
        }
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
        i = page_alloc(no);
        pages[i].reading = true;
        blkio_stats.misses++;
        if (submit(FTL_BLK_READ, no, i) != FTL_OK) {
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
            p->ra = false;
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
            if (p->dirty) {
                blkio_stats.merged++;
            } else {
                p->dirty = true;
                ndirty++;
            }
            if (ndirty >= DIRTY_START && write_back_kick() != FTL_OK) {
                return EIO;
            }
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
    while (ndirty > 0 || ninflight > 0) {
        if (write_back(true) != FTL_OK || (ninflight > 0 && pump(true) != FTL_OK)) {
            return EIO;
        }
    }
    if (write_failed) {
        errcode_t err = write_failed;
        write_failed = 0;
        return err;
    }
    if (submit(FTL_BLK_FLUSH, 0, -1) != FTL_OK) {
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

// The PL011 UART the guest's kernel logs through (ARM DDI 0183): transmit only, a
// FIFO that is always empty, so Linux's amba-pl011 driver and earlycon never wait.
// Bytes are collected into lines and logged as "guest: ..."; a guest that floods
// the console loses lines (counted), it never fills FTL's log.
#include "vmm.h"

#include <string.h>

#define UART_DR 0x000
#define UART_RSR 0x004
#define UART_FR 0x018
#define UART_ILPR 0x020
#define UART_IBRD 0x024
#define UART_FBRD 0x028
#define UART_LCR_H 0x02c
#define UART_CR 0x030
#define UART_IFLS 0x034
#define UART_IMSC 0x038
#define UART_RIS 0x03c
#define UART_MIS 0x040
#define UART_ICR 0x044
#define UART_DMACR 0x048
#define UART_ID 0xfe0 // PeriphID0..3 then PCellID0..3, one byte per word

#define FR_RXFE (1u << 4)
#define FR_TXFE (1u << 7)
#define INT_TX (1u << 5)
#define INT_ALL 0x7ffu

#define NS_PER_LINE (1000000000ll / PL011_LINES_PER_SEC)

// PeriphID 0x00241011 (a PL011 r1p4 by ARM) and PCellID 0xb105f00d: what the amba bus
// reads to match the driver.
static const uint8_t uart_id[8] = {0x11, 0x10, 0x24, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

static void update_irq(struct pl011 *u)
{
    bool level = (u->ris & u->imsc) != 0;
    if (level != u->irq_level) {
        u->irq_level = level;
        ftl_err_t err = ftl_vm_irq(u->g->vm, LINUX_PL011_SPI, level);
        (void)err; // SPI 1 is valid: it cannot fail for a live VM
    }
}

void pl011_reset(struct pl011 *u, struct guest_ram *g)
{
    memset(u, 0, sizeof(*u));
    u->g = g;
    u->cr = 0x300; // TXE | RXE, the reset value
    u->ifls = 0x12;
    u->tokens_ns = PL011_BURST * NS_PER_LINE;
    u->last_ns = ftl_time_now();
}

// Takes a line's worth of budget if there is one (a token bucket: PL011_BURST lines
// at once, PL011_LINES_PER_SEC on average).
static bool take_token(struct pl011 *u)
{
    int64_t now = ftl_time_now();
    int64_t cap = PL011_BURST * NS_PER_LINE;
    if (now > u->last_ns) {
        int64_t add = now - u->last_ns;
        u->tokens_ns = add > cap - u->tokens_ns ? cap : u->tokens_ns + add;
    }
    u->last_ns = now;
    if (u->tokens_ns < NS_PER_LINE) {
        return false;
    }
    u->tokens_ns -= NS_PER_LINE;
    return true;
}

void pl011_flush(struct pl011 *u)
{
    if (u->line_len == 0) {
        return;
    }
    u->line[u->line_len] = '\0';
    u->line_len = 0;
    if (!take_token(u)) {
        if (u->dropped++ == u->dropped_reported) {
            FTL_WARN("guest: console flooding: dropping lines (at most %d a second)",
                     PL011_LINES_PER_SEC);
        }
        return;
    }
    if (u->dropped != u->dropped_reported) {
        FTL_WARN("guest: %llu console lines dropped",
                 (unsigned long long)(u->dropped - u->dropped_reported));
        u->dropped_reported = u->dropped;
    }
    u->lines++;
    FTL_INFO("guest: %s", u->line);
}

static void put_char(struct pl011 *u, uint8_t c)
{
    if (c == '\n') {
        pl011_flush(u);
        return;
    }
    if (c == '\r') {
        return;
    }
    // FTL's log is text: other control bytes and non-ASCII show as '.'.
    u->line[u->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '.';
    if (u->line_len == PL011_LINE_MAX) {
        pl011_flush(u);
    }
}

static uint32_t read_reg(struct pl011 *u, uint64_t off)
{
    switch (off) {
    case UART_FR:
        return FR_TXFE | FR_RXFE; // never BUSY, never full, nothing to read
    case UART_ILPR:
        return u->ilpr;
    case UART_IBRD:
        return u->ibrd;
    case UART_FBRD:
        return u->fbrd;
    case UART_LCR_H:
        return u->lcr_h;
    case UART_CR:
        return u->cr;
    case UART_IFLS:
        return u->ifls;
    case UART_IMSC:
        return u->imsc;
    case UART_RIS:
        return u->ris;
    case UART_MIS:
        return u->ris & u->imsc;
    case UART_DMACR:
        return u->dmacr;
    default:
        break;
    }
    if (off >= UART_ID && off < UART_ID + 32 && (off & 3) == 0) {
        return uart_id[(off - UART_ID) / 4];
    }
    return 0; // DR (no input), RSR and reserved offsets
}

static void write_reg(struct pl011 *u, uint64_t off, uint32_t v)
{
    switch (off) {
    case UART_DR:
        put_char(u, (uint8_t)v);
        u->ris |= INT_TX; // sent at once: the FIFO is below its trigger level again
        break;
    case UART_ILPR:
        u->ilpr = v & 0xff;
        break;
    case UART_IBRD:
        u->ibrd = v & 0xffff;
        break;
    case UART_FBRD:
        u->fbrd = v & 0x3f;
        break;
    case UART_LCR_H:
        u->lcr_h = v & 0xff;
        break;
    case UART_CR:
        u->cr = v & 0xffff;
        break;
    case UART_IFLS:
        u->ifls = v & 0x3f;
        break;
    case UART_IMSC:
        u->imsc = v & INT_ALL;
        break;
    case UART_ICR:
        u->ris &= ~v;
        break;
    case UART_DMACR:
        u->dmacr = v & 7;
        break;
    default:
        break; // RSR/ECR (clears errors we never have), read-only, reserved
    }
    update_irq(u);
}

void pl011_access(struct pl011 *u, uint64_t off, bool write, uint64_t *data)
{
    if (write) {
        write_reg(u, off & ~3ull, (uint32_t)*data);
    } else {
        *data = read_reg(u, off & ~3ull);
    }
}

// The interrupt controller: GICv3 (gic.c) or GICv2 (gicv2.c), as the device tree
// says (struct board's gic_version); gic_* pick the one in use.
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct board;

/// Sets up the distributor and this CPU's interface of the GIC the board has.
void gic_init(const struct board *b);
/// Enables interrupt `intid` (PPI or SPI), level-triggered, routed to this CPU.
void gic_enable(uint32_t intid);
/// Masks interrupt `intid` at the GIC.
void gic_disable(uint32_t intid);
/// Acknowledges the highest-priority pending interrupt; returns its INTID (1023: none).
uint32_t gic_ack(void);
/// Signals the end of handling `intid`.
void gic_eoi(uint32_t intid);

// GICv2, memory-mapped CPU interface (gicv2.c): what gic_* call on a GICv2 board.
void gicv2_init(const struct board *b);
void gicv2_enable(uint32_t intid);
void gicv2_disable(uint32_t intid);
uint32_t gicv2_ack(void);
void gicv2_eoi(uint32_t intid);

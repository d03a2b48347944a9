// GICv3 driver: distributor and redistributor setup, enabling, acknowledging.
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct board;

void gic_init(const struct board *b);
/// Enables interrupt `intid` (PPI or SPI), level-triggered, routed to this CPU.
void gic_enable(uint32_t intid);
/// Masks interrupt `intid` at the GIC.
void gic_disable(uint32_t intid);
/// Acknowledges the highest-priority pending interrupt; returns its INTID (1023: none).
uint32_t gic_ack(void);
/// Signals the end of handling `intid`.
void gic_eoi(uint32_t intid);

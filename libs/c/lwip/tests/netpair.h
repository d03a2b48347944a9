// Two lwIP netifs joined by an in-memory Ethernet wire, for host tests of the lwIP port:
// frames one netif sends wait in a queue until netpair_deliver() hands them to the other.
// Also the hooks lwIP needs (sys_now on a virtual clock, random numbers, asserts).
#ifndef NETPAIR_H
#define NETPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"

#define NETPAIR_QUEUE_MAX 256  // frames in flight per direction
#define NETPAIR_FRAME_MAX 1536 // bytes per frame: 1514 plus slack

/// Frames sent by one netif that the other has not received yet (a FIFO).
struct netpair_wire {
    uint8_t frames[NETPAIR_QUEUE_MAX][NETPAIR_FRAME_MAX];
    uint16_t lens[NETPAIR_QUEUE_MAX]; // bytes of each frame
    size_t head;                      // index of the oldest frame
    size_t count;                     // frames queued
    size_t dropped;                   // frames lost: the queue was full or too long
};

/// Netif `a` is 10.0.0.1/24, `b` is 10.0.0.2/24, both up with their links up.
struct netpair {
    struct netif a;
    struct netif b;
    struct netpair_wire a_to_b;
    struct netpair_wire b_to_a;
    size_t rx_no_pbuf; // frames the receiving side could not take: pbuf pool empty
};

/// Adds both netifs to lwIP (which must be initialised) with static addresses.
void netpair_init(struct netpair *np);

/// Removes both netifs from lwIP; frames still queued are discarded.
void netpair_destroy(struct netpair *np);

/// Hands every queued frame to its receiving netif, including frames sent in reply while
/// delivering, until both queues are empty. Returns the number of frames delivered.
size_t netpair_deliver(struct netpair *np);

/// Moves the virtual clock that sys_now() reads forward and runs lwIP's due timers.
void netpair_advance_ms(uint32_t ms);

/// The address of netif `a` (10.0.0.1) and of netif `b` (10.0.0.2).
ip_addr_t netpair_ip_a(void);
ip_addr_t netpair_ip_b(void);

#endif

// lwIP configuration for FTL's tcpip app: one thread, NO_SYS=1, the raw callback API,
// IPv4 with TCP, UDP, ARP, DHCP and ICMP over Ethernet. Read by every lwIP source file.
#ifndef FTL_LWIPOPTS_H
#define FTL_LWIPOPTS_H

// ---- threading: the tcpip app runs lwIP from its single event loop ----
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 // nothing preempts the loop, so no critical sections
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_CALLBACK_API 1

// ---- protocols ----
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0 // QEMU's user network hands out a free address; skip 2 s
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_NETIF_STATUS_CALLBACK 1 // the app learns the DHCP address this way
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_TCP_KEEPALIVE 1 // lets the app find half-open peers (tcp_keepalive())
// The backlog is how many connections may wait in SYN_RCVD for the peer's ACK (tcpip
// accepts a connection as soon as the handshake is done). Past it lwIP drops SYNs without
// a word and the peer resends only after its retransmission timeout (seconds; under QEMU's
// user network the requests behind such drops took 5-6 s), so it is well above the
// apiserver's 16 connections.
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 32

// ---- memory ----
// aarch64 wants 8-byte alignment for the u64 fields in pbufs and pcbs.
#define MEM_ALIGNMENT 8
// The heap holds PBUF_RAM pbufs: the data tcp_write() copies (up to TCP_SND_BUF per
// connection) and outgoing UDP/ARP/DHCP packets. When it is full tcp_write() fails with
// ERR_MEM and the app waits for the `sent` callback: backpressure, not loss.
#define MEM_SIZE (128 * 1024)
// Received frames come from the pool. 48 buffers cover four full receive windows, so a
// slow reader on one connection cannot starve the others of buffers for long.
#define PBUF_POOL_SIZE 48
#define MEMP_NUM_PBUF 32
// Connections in every state but LISTEN: 16 for the apiserver, up to the backlog in
// SYN_RCVD, the rest closing. A SYN that finds them all in use frees the oldest TIME_WAIT
// pcb (the peer, QEMU's user network, never reuses its ports that fast); with none in
// TIME_WAIT it is dropped.
#define MEMP_NUM_TCP_PCB 64
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_UDP_PCB 8
#define MEMP_NUM_TCP_SEG (4 * TCP_SND_QUEUELEN)
#define MEMP_NUM_ARP_QUEUE 16
#define MEMP_NUM_REASSDATA 4
#define ARP_TABLE_SIZE 16
#define ARP_QUEUEING 1

// ---- TCP window and backpressure ----
#define TCP_MSS 1460
// The receive window is how many bytes a peer may send that the app has not yet taken
// (tcp_recved()). 8 segments keep a 1 Gbit/s link with sub-ms RTT busy, and bound what a
// connection whose reader is slow can hold to 11680 bytes: as the app stops calling
// tcp_recved() the advertised window shrinks to zero and the sender stops.
#define TCP_WND (8 * TCP_MSS)
// Bytes tcp_write() accepts before the peer acknowledges them; past this tcp_sndbuf() is 0
// and tcp_write() returns ERR_MEM, which the app turns into FTL_ERR_FULL on its channel.
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
// Out-of-order segments are kept, but never more than one window's worth per connection.
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_BYTES TCP_WND
#define TCP_OOSEQ_MAX_PBUFS 8
#define LWIP_WND_SCALE 0

// ---- checksums: virtio-net offload is not used, lwIP computes all of them ----
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1

// ---- diagnostics: debug output (LWIP_DEBUG, left undefined) is off; asserts stay on
// and call ftl_lwip_assert_failed(). The drop and out-of-memory counters are on: tcpip
// reports them (docs/networking.md), and a hook counts the SYNs lwIP drops silently ----
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define IPFRAG_STATS 0
#define ICMP_STATS 0
#define UDP_STATS 1
#define TCP_STATS 1
#define MEM_STATS 1
#define MEMP_STATS 1
#define SYS_STATS 0
#define MIB2_STATS 0
#define LWIP_HOOK_FILENAME "ftl/lwip_hooks.h"

#endif

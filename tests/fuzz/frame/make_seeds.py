#!/usr/bin/env python3
"""Writes the seed frames of the `frame` fuzzer (libs/c/lwip/tests/frame_fuzz.c) into
seeds/: frames from a peer (10.0.0.9) to netif b of the netpair (10.0.0.2,
52:54:00:12:34:02): an ARP request, an ICMP echo, a TCP SYN to port 80 and a data
segment, a UDP datagram to the DHCP client port, and the first fragment of a datagram."""
import struct
from pathlib import Path

B_MAC = bytes.fromhex("525400123402")
PEER_MAC = bytes.fromhex("525400123409")
B_IP = bytes([10, 0, 0, 2])
PEER_IP = bytes([10, 0, 0, 9])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, ethertype, payload):
    return dst + PEER_MAC + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, flags_frag=0, ident=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags_frag, 64,
                      proto, 0, PEER_IP, B_IP)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return eth(B_MAC, 0x0800, hdr + payload)


def l4_csum(proto, seg):
    pseudo = PEER_IP + B_IP + struct.pack("!BBH", 0, proto, len(seg))
    return csum(pseudo + seg)


def tcp(flags, seq, ack=0, data=b""):
    seg = struct.pack("!HHIIBBHHH", 40000, 80, seq, ack, 5 << 4, flags, 8192, 0, 0) + data
    return ipv4(6, seg[:16] + struct.pack("!H", l4_csum(6, seg)) + seg[18:])


def udp(dport, data):
    seg = struct.pack("!HHHH", 67, dport, 8 + len(data), 0) + data
    return ipv4(17, seg[:6] + struct.pack("!H", l4_csum(17, seg)) + seg[8:])


def icmp_echo():
    msg = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"ping"
    return ipv4(1, msg[:2] + struct.pack("!H", csum(msg)) + msg[4:])


def arp_request():
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC, PEER_IP, b"\0" * 6, B_IP)
    return eth(b"\xff" * 6, 0x0806, body)


SEEDS = {
    "arp_request.bin": arp_request(),
    "icmp_echo.bin": icmp_echo(),
    "tcp_syn.bin": tcp(0x02, 1000),
    "tcp_data.bin": tcp(0x18, 1001, 1, b"GET / HTTP/1.1\r\n\r\n"),
    "udp_dhcp.bin": udp(68, b"\x02\x01\x06\x00" + b"\0" * 236),
    "ip_fragment.bin": ipv4(17, b"\0" * 64, flags_frag=0x2000, ident=9),
}

if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "seeds"
    out.mkdir(exist_ok=True)
    for name, frame in SEEDS.items():
        (out / name).write_bytes(frame)

#!/usr/bin/env python3
"""Turns `llvm-nm -n` output of the kernel into an assembly symbol table
(kernel/ksym.c reads it) so panics print function names.

usage: llvm-nm -n kernel.elf | ksyms.py > ksyms.S
"""
import sys


def main() -> int:
    syms = []
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 3 or parts[1] not in "tTwW":
            continue
        name = parts[2]
        if name.startswith("$") or name.startswith(".L"):
            continue
        syms.append((int(parts[0], 16), name))
    names = bytearray()
    out = [".section .rodata.ksyms, \"a\"", ".balign 8", ".global ksym_table", "ksym_table:"]
    for addr, name in syms:
        out.append(f"    .quad 0x{addr:x}\n    .long {len(names)}, 0")
        names += name.encode() + b"\0"
    out += [".global ksym_count", ".balign 8", "ksym_count:", f"    .quad {len(syms)}",
            ".global ksym_names", "ksym_names:"]
    for i in range(0, len(names), 64):
        chunk = names[i:i + 64]
        out.append("    .byte " + ",".join(str(b) for b in chunk))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes no_code_section.wasm: the 53-byte module that once halted the kernel.

It has a function section (one function) but no code section; a memory, a data
count and a data section come after it, so the code section's absence was not
noticed. `_start` is exported. The loader must refuse it ("function and code
section have inconsistent lengths"); it used to accept it, and running `_start`
followed the missing code's NULL pointer inside wasm_interp_run.
Usage: make_no_code.py [OUT]  (default: crashes/no_code_section.wasm beside this script)
"""
import os
import sys


def section(sid, payload):
    assert len(payload) < 128
    return bytes([sid, len(payload)]) + payload


def module():
    name = b"_start"
    data = b"hello!\n"
    return b"".join([
        b"\0asm\1\0\0\0",
        section(1, bytes([1, 0x60, 0, 0])),                   # type: () -> ()
        section(3, bytes([1, 0])),                            # function: 1 of type 0
        section(5, bytes([1, 0, 1])),                         # memory: 1 page
        section(7, bytes([1, len(name)]) + name + bytes([0, 0])),  # export func 0
        section(12, bytes([1])),                              # data count: 1
        section(11, bytes([1, 0, 0x41, 0, 0x0B, len(data)]) + data),  # data at 0
    ])


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "crashes", "no_code_section.wasm")
    blob = module()
    assert len(blob) == 53, len(blob)
    with open(out, "wb") as f:
        f.write(blob)

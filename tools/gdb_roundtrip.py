"""gdb script for tools/roundtrip_profile.py: from one channel send of the client to
its next one (a whole round trip through echo), single-steps every instruction and
writes the program counters to $FTL_PROFILE_OUT, one per line.

The anchor is the entry of `channel_send` (kernel/channel.c), which every send reaches
in every mode and nothing else does (the kernel's `sys_*` functions may be inlined
into the svc path; a breakpoint with a condition would stop at every call)."""
import os

import gdb

SKIP = int(os.environ.get("FTL_PROFILE_SKIP", "300"))  # warm-up round trips
out = os.environ["FTL_PROFILE_OUT"]

# "*": the function's entry address; by name, gdb may pick a line inside it
bp = gdb.Breakpoint("*channel_send", internal=True)
bp.ignore_count = 2 * SKIP  # the client's and echo's sends
gdb.execute("continue", to_string=True)
bp.enabled = False
start = int(gdb.parse_and_eval("$pc"))
pcs = []
sends = 0
while len(pcs) < 200000:
    gdb.execute("stepi", to_string=True)
    pc = int(gdb.parse_and_eval("$pc"))
    if pc == start:
        sends += 1
        if sends == 2:  # echo's send, then the client's next one
            break
    pcs.append(pc)
with open(out, "w") as f:
    f.write("\n".join(f"{pc:#x}" for pc in pcs) + "\n")

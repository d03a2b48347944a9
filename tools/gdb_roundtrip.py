"""gdb script for tools/roundtrip_profile.py: from one channel send of the client to
its next one (a whole round trip through echo), single-steps every instruction and
writes the program counters to $FTL_PROFILE_OUT, one per line.

The anchors are the entries of `k_channel_send` (an inkernel app's send) and
`sys_channel_send` (the svc, wasm and vmm paths' send): every send reaches one of them,
once, and nothing else does (`channel_send` is inlined into both; a breakpoint with a
condition would stop at every call)."""
import os

import gdb

SKIP = int(os.environ.get("FTL_PROFILE_SKIP", "300"))  # warm-up round trips
out = os.environ["FTL_PROFILE_OUT"]

# "*": the function's entry address; by name, gdb may pick a line inside it
bps = [gdb.Breakpoint(f"*{name}", internal=True) for name in ("k_channel_send", "sys_channel_send")]
anchors = set()
for bp in bps:
    bp.ignore_count = SKIP  # about SKIP round trips (two sends each) pass first
    anchors.add(int(gdb.parse_and_eval(f"(unsigned long)&{bp.location[1:]}")))
gdb.execute("continue", to_string=True)
for bp in bps:
    bp.enabled = False
start = int(gdb.parse_and_eval("$pc"))
pcs = []
sends = 0
while len(pcs) < 200000:
    gdb.execute("stepi", to_string=True)
    pc = int(gdb.parse_and_eval("$pc"))
    if pc in anchors:
        sends += 1
        if sends == 2:  # echo's send, then the client's next one
            break
    pcs.append(pc)
with open(out, "w") as f:
    f.write("\n".join(f"{pc:#x}" for pc in pcs) + "\n")

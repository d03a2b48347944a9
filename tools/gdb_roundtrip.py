"""gdb script for tools/roundtrip_profile.py: from one channel send of the client to
its next one (a whole round trip through echo), single-steps every instruction and
writes the program counters to $FTL_PROFILE_OUT, one per line.

The anchors are the entries of `k_channel_send` (an inkernel app's send) and
`sys_channel_send` (the svc, wasm and vmm paths' send): every send reaches one of them,
once, and nothing else does (`channel_send` is inlined into both; a breakpoint with a
condition would stop at every call). With FTL_PROFILE_MEASURE=call the client sends
with `k_channel_call` / `sys_channel_call`, also anchors: a round trip is then from one
call to the next, echo's send in between."""
import os

import gdb

SKIP = int(os.environ.get("FTL_PROFILE_SKIP", "300"))  # warm-up round trips
out = os.environ["FTL_PROFILE_OUT"]

# "*": the function's entry address; by name, gdb may pick a line inside it
names = ["k_channel_send", "sys_channel_send"]
if os.environ.get("FTL_PROFILE_MEASURE") == "call":
    names += ["k_channel_call", "sys_channel_call"]
bps = [gdb.Breakpoint(f"*{name}", internal=True) for name in names]
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

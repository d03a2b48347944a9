"""gdb script for tools/roundtrip_profile.py: from one channel send of the client to
its next one (a whole round trip through echo), single-steps every instruction and
writes the program counters to $FTL_PROFILE_OUT, one per line.

The anchor is the entry of `sys_channel_send` for inkernel apps; a user app's calls
reach it inlined into the svc path, so there the anchor is `svc_handler` entered with
call number 2 (x8 of the saved frame: the send)."""
import os

import gdb

SKIP = int(os.environ.get("FTL_PROFILE_SKIP", "300"))  # warm-up round trips
out = os.environ["FTL_PROFILE_OUT"]
USER = os.environ.get("FTL_PROFILE_USER") == "1"
SEND = "((unsigned long *)$x0)[8] == 2"

# "*": the function's entry address; by name, gdb may pick a line inside it
bp = gdb.Breakpoint("*svc_handler" if USER else "*sys_channel_send", internal=True)
if USER:
    bp.condition = SEND
bp.ignore_count = 2 * SKIP  # the client's and echo's sends
gdb.execute("continue", to_string=True)
bp.enabled = False
start = int(gdb.parse_and_eval("$pc"))
pcs = []
sends = 0
while len(pcs) < 200000:
    gdb.execute("stepi", to_string=True)
    pc = int(gdb.parse_and_eval("$pc"))
    if pc == start and (not USER or bool(gdb.parse_and_eval(SEND))):
        sends += 1
        if sends == 2:  # echo's send, then the client's next one
            break
    pcs.append(pc)
with open(out, "w") as f:
    f.write("\n".join(f"{pc:#x}" for pc in pcs) + "\n")

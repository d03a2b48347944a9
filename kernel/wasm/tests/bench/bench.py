#!/usr/bin/env python3
"""Times the wasm benchmarks: our engine (wasm-run --invoke run), wabt's wasm-interp
and the same C built natively. Median wall time of several runs (process start and
module loading included for all three). Prints a table and one machine-readable
`BENCH wasm ...` line per benchmark. Never fails on timing; a missing tool or a
result mismatch is reported in the table."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def measure(cmd, runs):
    """Returns (median ms, output) or (None, error text)."""
    times = []
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t1 = time.perf_counter()
        if p.returncode != 0:
            return None, (p.stderr or p.stdout).strip()[:200]
        times.append((t1 - t0) * 1000)
        out = p.stdout.strip()
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--wabt-runs", type=int, default=3, help="wasm-interp is slow")
    ap.add_argument("--ours", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    wabt = shutil.which("wasm-interp")

    rows = []
    for name in a.names:
        wasm = os.path.join(a.dir, name + ".wasm")
        ours, ours_out = measure([a.ours, "--invoke", "run", wasm], a.runs)
        native, native_out = measure([os.path.join(a.dir, name)], a.runs)
        wabt_ms, wabt_out = (None, "wasm-interp not installed")
        if wabt:
            wabt_ms, wabt_out = measure([wabt, "--run-all-exports", wasm], a.wabt_runs)
        notes = []
        if ours is not None and native is not None and ours_out != native_out:
            notes.append(f"RESULT MISMATCH ours '{ours_out}' native '{native_out}'")
        if ours is not None and wabt_ms is not None and ours_out != wabt_out:
            notes.append(f"RESULT MISMATCH wasm-interp '{wabt_out}'")
        for label, ms, out in (("ours", ours, ours_out), ("wasm-interp", wabt_ms, wabt_out),
                               ("native", native, native_out)):
            if ms is None:
                notes.append(f"{label} failed: {out}")
        rows.append((name, ours, wabt_ms, native, notes))
        sys.stdout.flush()

    def fmt(v):
        return f"{v:9.1f}" if v is not None else "        -"

    def ratio(x, y):
        return f"{x / y:8.1f}x" if x is not None and y is not None and y > 0 else "        -"

    print(f"{'bench':10} {'ours ms':>9} {'wabt ms':>9} {'native ms':>9} "
          f"{'wabt/ours':>9} {'ours/native':>11}")
    for name, ours, wabt_ms, native, notes in rows:
        print(f"{name:10} {fmt(ours)} {fmt(wabt_ms)} {fmt(native)} {ratio(wabt_ms, ours)} "
              f"{ratio(ours, native):>11}")
        for n in notes:
            print(f"  note: {n}")
    print(f"(median of {a.runs} runs, wasm-interp {a.wabt_runs}; wabt/ours is how many times "
          f"faster our engine is, target >= 5; ours/native is the distance to native)")
    for name, ours, wabt_ms, native, _ in rows:
        def v(x):
            return f"{x:.1f}" if x is not None else "NA"
        print(f"BENCH wasm name={name} ours_ms={v(ours)} wabt_ms={v(wabt_ms)} "
              f"native_ms={v(native)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

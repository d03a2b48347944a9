#!/usr/bin/env python3
"""`make bench`: Octane inside `isolation: js` against the same QuickJS on Linux.

Octane 2.0 comes from npm's benchmark-octane (tools/octane/fetch.sh, pinned, into
build/octane/). One script, build/octane/octane.js (Octane's base.js, the benchmarks
of SUBSET, tools/octane/driver.js), runs:
- in FTL: as the main.js of a JS app (`isolation: js`), the only app of the boot;
- on Linux: under tools/octane/qjs_octane.c, the same QuickJS source (build/quickjs)
  built static for aarch64 with the kernel's -O2 -march=armv8.1-a, as /init of an
  initramfs booted on tools/linux-baseline's Debian kernel;
both under QEMU with -icount shift=0 (guest clock: 1 ns per instruction), so the
times are instruction counts. Each benchmark runs Octane's deterministic iteration
count / SCALE after a warm-up iteration. Prints the time per benchmark on both and
FTL's speed relative to Linux (Linux time / FTL time; target >= 0.9x). Never fails
on timing.

The subset: Octane's v8-v7 benchmarks that run within a JS app's limits. Left out:
EarleyBoyer and Gameboy (their recursion overflows the engine's 192 KiB stack:
"InternalError: stack overflow"), Splay and TypeScript (past the 64 MiB arena,
limits.heap_kib's maximum), zlib (calls print from eval'd code), and Mandreel,
PdfJS, CodeLoad and Box2D (not in the v8-v7 set; Mandreel's 4.8 MB source alone
takes minutes to run under QEMU)."""
import hashlib
import importlib.util
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))
from ftlboot import BUILD, Qemu, make_initfs  # noqa: E402
from linux_fetch import StepError, newc  # noqa: E402

OUT = BUILD / "octane"
OCTANE = OUT / "package" / "lib" / "octane"
QJS_SRC = BUILD / "quickjs" / "quickjs-2025.04.26"
ENGINE = ["quickjs", "libregexp", "libunicode", "cutils", "dtoa"]
CC = "aarch64-linux-gnu-gcc"
CFLAGS = ["-O2", "-march=armv8.1-a", "-std=gnu11", "-D_GNU_SOURCE",
          '-DCONFIG_VERSION="2025-04-26"']
SUBSET = [("Richards", ["richards.js"]), ("DeltaBlue", ["deltablue.js"]),
          ("Crypto", ["crypto.js"]), ("RayTrace", ["raytrace.js"]),
          ("RegExp", ["regexp.js"]), ("NavierStokes", ["navier-stokes.js"])]
SCALE = 100
TIMEOUT_S = 3000
LINE = re.compile(r"OCTANE (\S+) iterations=(\d+) ms=(\d+)")


def baseline():
    spec = importlib.util.spec_from_file_location("baseline", ROOT / "tools" / "linux-baseline" / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def script():
    subprocess.run(["sh", str(ROOT / "tools" / "octane" / "fetch.sh"), str(OUT)], check=True)
    parts = [f"var OCTANE_SCALE = {SCALE};\n", (OCTANE / "base.js").read_text()]
    for _, files in SUBSET:
        parts += [(OCTANE / f).read_text() for f in files]
    parts.append((ROOT / "tools" / "octane" / "driver.js").read_text())
    path = OUT / "octane.js"
    path.write_text("\n".join(parts))
    return path


def qjs_linux():
    """tools/octane/qjs_octane.c and the engine, static for aarch64 (cached)."""
    work = OUT / "linux"
    work.mkdir(parents=True, exist_ok=True)
    main = ROOT / "tools" / "octane" / "qjs_octane.c"
    h = hashlib.sha256(" ".join([CC] + CFLAGS).encode() + main.read_bytes())
    for e in ENGINE:
        h.update((QJS_SRC / f"{e}.c").read_bytes())
    exe, stamp = work / "qjs_octane", work / "qjs_octane.stamp"
    if exe.exists() and stamp.exists() and stamp.read_text() == h.hexdigest():
        return exe
    objs = []
    for e in ENGINE:
        obj = work / f"{e}.o"
        subprocess.run([CC] + CFLAGS + ["-w", "-c", str(QJS_SRC / f"{e}.c"), "-o", str(obj)],
                       check=True)
        objs.append(str(obj))
    subprocess.run([CC] + CFLAGS + ["-Wall", "-Wextra", "-static", "-isystem", str(QJS_SRC),
                                    "-o", str(exe), str(main)] + objs + ["-lm", "-lpthread"],
                   check=True)
    stamp.write_text(h.hexdigest())
    return exe


def parse(text, where):
    res = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in LINE.finditer(text)}
    if "OCTANE done" not in text or not res:
        err = re.search(r"OCTANE error: .*|uncaught exception: .*", text)
        raise SystemExit(f"bench_octane: {where} did not finish: "
                         f"{err.group(0) if err else text[-2000:]}")
    return res


def run_ftl(js):
    with tempfile.TemporaryDirectory() as tmp:
        spec = ("name: octane\nisolation: js\n"
                "limits: { heap_kib: 65536, kmem_kib: 90000, cpu_ms: 3600000 }\n")
        initfs = make_initfs(Path(tmp) / "initfs.bin", [], {"octane": spec}, {"octane": js})
        q = Qemu(initfs, icount=True, timeout_s=TIMEOUT_S, disk=False)
        try:
            q.wait_for(r"OCTANE done|ERROR", timeout_s=TIMEOUT_S - 30)
        finally:
            q.stop()
    return parse(q.log(), "FTL")


def run_linux(js):
    bl = baseline()
    try:
        bl.fetch_kernel()
    except StepError as e:
        raise SystemExit(f"bench_octane: the Linux baseline's kernel: {e}")
    exe = qjs_linux()
    cpio = OUT / "initramfs.cpio"
    cpio.write_bytes(newc([
        ("dev", 0o040755, b"", 0, 0),
        ("dev/console", 0o020600, b"", 5, 1),
        ("init", 0o100755, exe.read_bytes(), 0, 0),
        ("octane.js", 0o100644, js.read_bytes(), 0, 0),
    ]))
    log = OUT / "linux.log"
    cmd = (["timeout", "--kill-after=5", str(TIMEOUT_S), bl.QEMU] + bl.QEMU_FLAGS +
           ["-kernel", str(bl.WORK / "Image"), "-initrd", str(cpio),
            "-append", "console=ttyAMA0 rdinit=/init quiet"])
    with open(log, "wb") as out:
        subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                       start_new_session=True)
    return parse(log.read_bytes().decode("utf-8", "replace"), f"Linux (log: {log})")


def main() -> int:
    js = script()
    ftl = run_ftl(js)
    linux = run_linux(js)
    print()
    print(f"Octane (benchmark-octane 1.0.1, deterministic iterations / {SCALE}) inside "
          f"isolation: js vs QuickJS on Linux (same source, static aarch64), guest clock, "
          f"-icount shift=0")
    print(f"{'benchmark':<28}{'iterations':>11}{'FTL ms':>10}{'Linux ms':>10}{'speed':>8}")
    prod, n = 1.0, 0
    for name, (it, ms) in ftl.items():
        lms = linux.get(name, (0, 0))[1]
        ratio = lms / ms if ms else 0
        prod *= ratio if ratio else 1
        n += 1 if ratio else 0
        print(f"{name:<28}{it:>11}{ms:>10}{lms:>10}{ratio:>7.2f}x")
    geo = prod ** (1 / n) if n else 0
    print(f"{'geometric mean':<59}{geo:>7.2f}x")
    print(f"target >= 0.9x of Linux: {geo:.2f}x ({'met' if geo >= 0.9 else 'missed'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

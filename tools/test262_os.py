#!/usr/bin/env python3
"""test262 inside FTL: the tests the host run runs (make test262), packed as JS apps.

The host runs QuickJS's own run-test262 with QuickJS's test262.conf
(kernel/js/tests/test262.sh). This module reads the same suite and the same
configuration and decides, for every test, what run-test262 decides: excluded or
skipped (by [exclude], built-ins/Atomics, or a feature that is not listed), strict or
not (mode=default: strict only for onlyStrict; noStrict and raw run sloppy), async
(doneprintHandle.js is added), module, negative (with the error type), and the
harness files in run-test262's order (sta.js, assert.js, the `includes:`, then
doneprintHandle.js), parsing the YAML front matter the way run-test262 does (the
first "includes:" etc. in the comment, the same option tokenizer). It then packs
tests into batch apps (`isolation: js`): each app's main.js is
tests/test262/runner.js after a table of its tests' sources, and runs every test in a
fresh QuickJS runtime of its own through ftl.test262 (kernel/js/test262_host.c, which
does what run-test262's run_test_buf and eval_buf do).

The sample is every Nth test of that list in sorted path order (`sample(n)`), so it is
fixed for a given suite and never edited by hand; `python3 tools/test262_os.py list N`
prints it.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "build" / "test262" / "suite"
CONF = ROOT / "build" / "quickjs" / "quickjs-2025.04.26" / "test262.conf"
FAILING = ROOT / "kernel" / "js" / "tests" / "test262_failing.txt"
RUNNER = ROOT / "tests" / "test262" / "runner.js"
HOST_TOTAL = 30086  # tests the host run runs (test262.sh: "test262: 29598/30086")

# ftl.test262 flag bits (kernel/js/test262_host.h)
STRICT, ASYNC, MODULE, NEGATIVE, CANNOT_BLOCK = 1, 2, 4, 8, 16


def load_conf(path=CONF):
    """(exclude prefixes/files, features enabled, features skipped), as run-test262
    reads test262.conf, plus test262.sh's exclusion of built-ins/Atomics."""
    exclude, features, skip = ["test262/test/built-ins/Atomics/"], set(), set()
    section = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line[1:].split("]")[0]
            continue
        name, eq, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if section == "exclude":
            exclude.append(line)
        elif section == "features":
            (features if not eq or value == "yes" else skip).add(name)
    return exclude, features, skip


def source(path):
    """A file's text exactly as its bytes say (read_text would turn CR and CR LF into
    LF, and some tests check that their line terminators reach the engine as they are)."""
    return path.read_bytes().decode("utf-8")


def find_tag(desc, tag):
    at = desc.find(tag)
    return None if at < 0 else at + len(tag)


def options(desc, at):
    """run-test262's get_option loop from `at`: the tokens of one front-matter key."""
    out, state, n = [], 0, len(desc)
    p = at
    while p is not None:
        while True:
            c = desc[p] if p < n else "\0"
            if c == "[":
                state += 1
                p += 1
                continue
            if c == "]":
                state -= 1
                if state > 0:
                    p += 1
                    continue
                p = None
                break
            if c in " \t\r,-":
                p += 1
                continue
            if c == "\n":
                if state > 0 or (p + 1 < n and desc[p + 1] == " "):
                    p += 1
                    continue
                p = None
                break
            if c == "\0":
                p = None
                break
            m = re.compile(r"[^ \t\r\n,\]]*").match(desc, p)
            out.append(m.group(0))
            p = m.end()
            break
    return out


class Test:
    __slots__ = ("path", "flags", "error_type", "includes", "skip")

    def __init__(self, path):
        self.path = path          # "test262/test/..."
        self.flags = 0
        self.error_type = ""
        self.includes = ["sta.js", "assert.js"]
        self.skip = False


def parse(path, text, features):
    t = Test(path)
    start = re.search(r"/\*-(?!/)", text)
    desc = None
    if start:
        end = text.find("*/", start.end())
        desc = text[start.end():end] if end >= 0 else None
    onlystrict = False
    if desc is not None:
        at = find_tag(desc, "includes:")
        if at is not None:
            t.includes += options(desc, at)
        at = find_tag(desc, "flags:")
        if at is not None:
            for o in options(desc, at):
                # noStrict and raw run sloppy, as every test but onlyStrict does in
                # run-test262's default mode (raw still gets sta.js and assert.js).
                if o == "onlyStrict":
                    onlystrict = True
                elif o == "async":
                    t.flags |= ASYNC
                elif o == "module":
                    t.flags |= MODULE
                elif o == "CanBlockIsFalse":
                    t.flags |= CANNOT_BLOCK
        at = find_tag(desc, "negative:")
        if at is not None:
            q = find_tag(desc[at:], "type:")
            if q is not None:
                rest = desc[at + q:].lstrip(" \t\n\r\f\v")
                t.error_type = re.match(r"[^ \n]*", rest).group(0)
            t.flags |= NEGATIVE
        at = find_tag(desc, "features:")
        if at is not None:
            for o in options(desc, at):
                if o not in features:  # skipped or not listed: run-test262 skips the test
                    t.skip = True
    if t.flags & ASYNC:
        t.includes.append("doneprintHandle.js")
    if onlystrict:
        t.flags |= STRICT
    return t


def sort_key(name):
    """run-test262's namelist_cmp: digit runs compare as numbers."""
    return [(0, int(s), "") if s.isdigit() else (1, 0, s) for s in re.findall(r"\d+|\D+", name)]


def host_tests(suite=SUITE):
    """Every test the host run runs, in run-test262's order: [Test]."""
    exclude, features, _ = load_conf()
    dirs = [e for e in exclude if e.endswith("/")]
    files = {e for e in exclude if not e.endswith("/")}
    base = suite / "test262" / "test"
    names = sorted((str(p.relative_to(suite)) for p in base.rglob("*.js")
                    if not p.name.endswith("_FIXTURE.js")), key=sort_key)
    tests = []
    for name in names:
        if any(name.startswith(d) for d in dirs) or name in files:
            continue
        t = parse(name, source(suite / name), features)
        if not t.skip:
            tests.append(t)
    return tests


def failing():
    return set(FAILING.read_text().split())


def sample(tests, every):
    return tests[::every]


MODULE_REF = re.compile(r"""(?:from|import)\s*\(?\s*['"]([^'"]+)['"]""")


def module_files(suite, t):
    """The files a module test may import (its own folder), by the name run-test262's
    loader gives them: {name: source}."""
    out, todo = {}, [t.path]
    while todo:
        name = todo.pop()
        path = suite / name
        if name in out or not path.is_file():
            continue
        out[name] = source(path)
        for ref in MODULE_REF.findall(out[name]):
            parent = name.rsplit("/", 1)[0]
            if ref.startswith("./") or ref.startswith("../"):
                parts = parent.split("/")
                for seg in ref.split("/"):
                    if seg == "..":
                        parts.pop()
                    elif seg != ".":
                        parts.append(seg)
                todo.append("/".join(parts))
            elif "/" not in ref:
                todo.append(f"{parent}/{ref}")
    del out[t.path]
    return out


def batch_js(tests, suite=SUITE):
    """main.js of one batch app: the harness files it needs, its tests, the runner."""
    harness, table = {}, []
    for t in tests:
        for inc in t.includes:
            if inc not in harness:
                harness[inc] = source(suite / "test262" / "harness" / inc)
        src = source(suite / t.path)
        mods = module_files(suite, t) if t.flags & MODULE else {}
        table.append([t.path, t.flags, t.error_type, t.includes, src, mods])
    return ("const HARNESS = " + json.dumps(harness) + ";\n" +
            "const TESTS = " + json.dumps(table) + ";\n" + RUNNER.read_text())


def batches(tests, size):
    return [tests[i:i + size] for i in range(0, len(tests), size)]


def spec(name, heap_kib=65536, cpu_ms=600000):
    return (f"name: {name}\nisolation: js\n"
            f"limits: {{ heap_kib: {heap_kib}, cpu_ms: {cpu_ms}, kmem_kib: {heap_kib + 16384} }}\n")


def boot_apps(tests, size, prefix="t262"):
    """(specs, sources) of the batch apps for `tests`, `size` tests each: what
    tests/ftlboot.make_initfs packs ({name: spec text}, {name: main.js text})."""
    specs, sources = {}, {}
    for i, b in enumerate(batches(tests, size)):
        name = f"{prefix}_{i:03d}"
        specs[name] = spec(name)
        sources[name] = batch_js(b)
    return specs, sources


FAIL_RX = re.compile(r"\] INFO   T262 FAIL (\S+): (.*)$")
DONE_RX = re.compile(r"\] INFO   T262 DONE (\S+) ran=(\d+) passed=(\d+)$")


def compare(tests, lines, expected_failing):
    """Per test, the log of a run against the host's results: (passed, run,
    differences), where a difference is "<path>: host passes, FTL fails: <why>" or the
    other way round; the tests of a batch that never said DONE count as failed."""
    failed = {}
    for line in lines:
        m = FAIL_RX.search(line)
        if m:
            failed[m.group(1)] = m.group(2)
    done = sum(int(m.group(2)) for m in map(DONE_RX.search, lines) if m)
    diffs = []
    passed = 0
    for t in tests:
        ok = t.path not in failed
        if ok:
            passed += 1
        if ok == (t.path in expected_failing):
            diffs.append(f"{t.path}: host {'fails' if ok else 'passes'}, FTL "
                         f"{'passes' if ok else 'fails: ' + failed[t.path]}")
    if done != len(tests):
        diffs.append(f"only {done} of {len(tests)} tests reported (a batch app did not finish)")
    return passed, done, diffs


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "list":
        tests = host_tests()
        for t in sample(tests, int(sys.argv[2])):
            print(t.path)
        return 0
    if len(sys.argv) == 2 and sys.argv[1] == "count":
        tests = host_tests()
        print(len(tests), sum(1 for t in tests if t.flags & MODULE), "modules")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""test262 inside FTL: tests of the Debian test262 snapshot that the host run
(`make test262`) runs, run inside `isolation: js` by batch apps (tools/test262_os.py,
tests/test262/runner.js), each test in a fresh QuickJS runtime with the harness applied
as run-test262 applies it. Every test's result must be the host's: it fails on the
host iff it is in kernel/js/tests/test262_failing.txt. `make test` runs every
EVERY-th test; tests/slow/test_js262_slow.py runs every 20th (>= 1,500) and the whole
suite."""
import sys

from ftlboot import BUILD, ROOT, Qemu, make_initfs

sys.path.insert(0, str(ROOT / "tools"))
import test262_os  # noqa: E402

EVERY = 100      # make test: every 100th test (301 tests)
KERNEL = BUILD / "t262" / "kernel.bin"  # the kernel with ftl.test262 (make builds it)
BATCH = 100      # tests per batch app


def host_tests():
    """The host run's tests; the suite must have been fetched (make test-e2e does)."""
    assert test262_os.SUITE.exists(), \
        "no build/test262/suite: kernel/js/tests/fetch_test262.sh build/test262 fetches it"
    tests = test262_os.host_tests()
    assert len(tests) == test262_os.HOST_TOTAL
    return tests


def run_in_ftl(tmp, tests, batch=BATCH, timeout_s=1800):
    """Boots one FTL with `tests` in batch apps; returns (passed, run, differences)."""
    specs, sources = test262_os.boot_apps(tests, batch)
    binaries = {}
    for name, text in sources.items():
        path = tmp / f"{name}.js"
        path.write_text(text)
        binaries[name] = path
    assert KERNEL.exists(), f"no {KERNEL}: make {KERNEL.relative_to(ROOT)} builds it"
    q = Qemu(make_initfs(tmp / "initfs.bin", [], specs, binaries), timeout_s=timeout_s,
             disk=False, kernel=KERNEL)
    try:
        for name in specs:
            q.wait_for(rf"T262 DONE {name} ", timeout_s=timeout_s)
    except AssertionError:
        pass  # compare() counts the tests that did not finish
    finally:
        q.stop()
    assert "PANIC" not in q.log()
    return test262_os.compare(tests, q.lines, test262_os.failing())


def test_test262_sample_in_ftl_matches_the_host(tmp_path, capsys):
    tests = test262_os.sample(host_tests(), EVERY)
    passed, run, diffs = run_in_ftl(tmp_path, tests)
    with capsys.disabled():  # shown by make test too
        print(f"\ntest262 in FTL: {passed}/{run} (every {EVERY}th test)")
    assert not diffs, "\n".join(diffs[:40])
    assert run == len(tests)

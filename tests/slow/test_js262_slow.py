"""test262 inside FTL, the slow part (make test-slow): every 20th test of the host
run's list (1,505 tests, the fixed sample) in one boot, and the whole list (30,086
tests) in boots of 5,000. Each test's result must be the host's
(kernel/js/tests/test262_failing.txt); see tests/test_js262.py."""
import sys

from test_js262 import ROOT, host_tests, run_in_ftl

sys.path.insert(0, str(ROOT / "tools"))
import test262_os  # noqa: E402

SAMPLE_EVERY = 20     # the fixed in-OS sample: >= 1,500 tests
BOOT = 5000           # tests per boot for the whole suite


def test_test262_sample_of_1500_in_ftl_matches_the_host(tmp_path):
    tests = test262_os.sample(host_tests(), SAMPLE_EVERY)
    assert len(tests) >= 1500
    passed, run, diffs = run_in_ftl(tmp_path, tests)
    print(f"test262 in FTL: {passed}/{run} (every {SAMPLE_EVERY}th test)")
    assert not diffs, "\n".join(diffs[:40])


def test_test262_whole_suite_in_ftl_matches_the_host(tmp_path):
    tests = host_tests()
    passed = run = 0
    diffs = []
    for i in range(0, len(tests), BOOT):
        boot_dir = tmp_path / f"boot{i // BOOT}"
        boot_dir.mkdir()
        p, r, d = run_in_ftl(boot_dir, tests[i:i + BOOT], timeout_s=3600)
        passed, run, diffs = passed + p, run + r, diffs + d
        print(f"test262 in FTL: boot {i // BOOT}: {p}/{r}, {len(d)} differences", flush=True)
        for line in d:
            print(f"  {line}", flush=True)
    print(f"test262 in FTL: {passed}/{run} (the whole suite)")
    assert not diffs, "\n".join(diffs[:40])

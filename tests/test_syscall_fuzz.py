"""Random kernel calls from a user app: every call returns an FTL error code or
FTL_OK, and the kernel and the other apps carry on."""
import pytest

from ftlboot import ROOT


def fuzz_spec(seed, calls):
    spec = (ROOT / "apps" / "test_syscall_fuzz" / "spec.yaml").read_text()
    return (spec.replace("seed:  { number: 1 }", f"seed:  {{ number: {seed} }}")
                .replace("calls: { number: 20000 }", f"calls: {{ number: {calls} }}"))


def run_fuzz(boot, seed, calls, timeout_s):
    os = boot(apps=["test_syscall_fuzz", "echo", "test_late", "hello"],
              specs={"test_syscall_fuzz": fuzz_spec(seed, calls)})
    m = os.wait_for(rf"syscall fuzz done: seed {seed}, {calls} calls, \d+ ok, \d+ errors "
                    r"\((\d+) denied, (\d+) out of kernel memory\), (\d+) undocumented "
                    r"results; kernel alive", timeout_s=timeout_s)
    assert int(m.group(3)) == 0
    assert int(m.group(1)) > 0, "the spec grants nothing: privileged calls must be denied"
    if calls >= 20000:
        assert int(m.group(2)) > 0, "the kernel-memory limit was never reached"
    os.wait_for(r'still running: echo answered "late"')
    assert "PANIC" not in os.log() and "crashed" not in os.log()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_calls_get_error_codes_and_the_kernel_survives(boot, seed):
    run_fuzz(boot, seed, 20000, timeout_s=120)

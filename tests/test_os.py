"""The in-OS test apps on the real kernel: one line per test, then a summary."""
import re

import pytest

from ftlboot import ROOT


def test_kernel_suite_passes(boot):
    os = boot(apps=["test_kernel", "test_spinner"])
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=240)
    passed, failed = int(m.group(1)), int(m.group(2))
    results = [line for line in os.lines if re.search(r"TEST (PASS|FAIL) ", line)]
    print("\n".join(results))
    assert failed == 0, "\n".join(line for line in results if "TEST FAIL" in line)
    assert passed == len(results) and passed >= 16


def _suite_passes(os, at_least):
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=240)
    passed, failed = int(m.group(1)), int(m.group(2))
    results = [line for line in os.lines if re.search(r"TEST (PASS|FAIL) ", line)]
    print("\n".join(results))
    assert failed == 0, "\n".join(line for line in results if "TEST FAIL" in line)
    assert passed == len(results) and passed >= at_least


def test_call_suite_passes(boot):
    """ftl_channel_call, ftl_poll_wait_msg and the handoff to a waiting receiver."""
    _suite_passes(boot(apps=["test_call", "echo"]), 9)


def test_crashing_inkernel_app_is_stopped_and_peers_see_it(boot):
    spec = (ROOT / "apps" / "test_fault" / "spec.yaml").read_text()
    spec = spec.replace("isolation: user", "isolation: inkernel")
    os = boot(apps=["echo", "test_fault", "hello"], specs={"test_fault": spec})
    os.wait_for(r"^\[test_fault  \] ERROR  crashed: NULL pointer dereference at pc .* "
                r"address 0x0$")
    os.wait_for(r"^\[echo        \] INFO   a client disconnected$")
    os.wait_for(r"Hello from FTL!")
    assert "PANIC" not in os.log()


def test_million_messages_arrive_exactly_once_in_order(boot):
    os = boot(apps=["stress_producer", "stress_sink"])
    m = os.wait_for(r"stress_producer\] INFO   sent 1000000 messages; the sink's queue was "
                    r"full (\d+) times", timeout_s=600)
    assert int(m.group(1)) > 0, "backpressure was never exercised"
    os.wait_for(r"stress_sink \] INFO   received 1000000 messages, each exactly once and in order",
                timeout_s=60)


def test_thousand_user_processes_start_and_end_without_leaking(boot):
    os = boot(apps=["test_spawn", "test_exit"])
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=300)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 4, "\n".join(fails)
    os.wait_for(r"after 1000 spawns: free pages (\d+) -> \1, heap (\d+) -> \2, processes")


@pytest.mark.parametrize("mode", ["inkernel", "vmm"])
def test_processes_of_each_mode_start_and_end_without_leaking(boot, mode):
    # The same check for the other modes of test_exit, with fewer rounds: one page
    # kept per process already shows as a difference in free pages.
    spawn = (ROOT / "apps" / "test_spawn" / "spec.yaml").read_text()
    spawn = spawn.replace("number: 1000", "number: 100")
    spec = (ROOT / "apps" / "test_exit" / "spec.yaml").read_text()
    spec = re.sub(r"(?m)^isolation: \w+", f"isolation: {mode}", spec)
    os = boot(apps=["test_spawn", "test_exit"], specs={"test_spawn": spawn, "test_exit": spec})
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=120)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 4, "\n".join(fails)
    os.wait_for(r"after 100 spawns: free pages (\d+) -> \1, heap (\d+) -> \2, processes")


def test_spec_limits_bound_heap_and_handles(boot):
    os = boot(apps=["test_limits", "hello"])
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)")
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 2, "\n".join(fails)
    os.wait_for(r"Hello from FTL!")


def test_user_registers_hold_no_kernel_values_after_a_call(boot):
    # Beside a spinner, so the blocking call's CPU goes to another app's thread.
    os = boot(apps=["test_regs", "test_spinner"])
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)")
    fails = [line for line in os.lines if "TEST FAIL" in line or "ERROR" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 3, "\n".join(fails)


@pytest.mark.parametrize("mode", ["user", "inkernel"])
def test_calls_without_their_grant_are_denied(boot, mode):
    spec = (ROOT / "apps" / "test_grants" / "spec.yaml").read_text()
    spec = spec.replace("isolation: user", f"isolation: {mode}")
    os = boot(apps=["test_grants", "test_grants_child", "test_exit", "hello"],
              specs={"test_grants": spec})
    m = os.wait_for(r"^\[test_grants \] INFO   TEST DONE passed=(\d+) failed=(\d+)$")
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 13, "\n".join(fails)
    # test_grants_child runs twice: started at boot, then spawned by test_grants.
    child = [line for line in os.lines if "TEST PASS grants.child_does_not_inherit_spawn" in line]
    assert len(child) == 2
    assert not fails and "PANIC" not in os.log()


@pytest.mark.parametrize("mode", ["inkernel", "user"])
def test_event_loop_suite_passes(boot, mode):
    spec = (ROOT / "apps" / "test_loop" / "spec.yaml").read_text()
    spec = re.sub(r"(?m)^isolation: \w+", f"isolation: {mode}", spec)
    os = boot(apps=["test_loop", "test_exit"], specs={"test_loop": spec})
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=120)
    results = [line for line in os.lines if re.search(r"TEST (PASS|FAIL) ", line)]
    print("\n".join(results))
    assert int(m.group(2)) == 0, "\n".join(line for line in results if "TEST FAIL" in line)
    assert int(m.group(1)) == len(results) == 11


def test_kmem_limit_below_the_apps_own_memory_is_reported_at_boot(boot):
    spec = (ROOT / "apps" / "hello" / "spec.yaml").read_text() + "limits: { kmem_kib: 64 }\n"
    os = boot(apps=["hello", "echo"], specs={"hello": spec})
    os.wait_for(r"apps/hello/app\.elf: cannot load: limits\.kmem_kib \(64 KiB\) is below the "
                r"app's own memory \(\d+ KiB\)")
    os.wait_for(r"startup: \d+ of 2 apps started")
    assert not any("Hello from FTL!" in line for line in os.lines)

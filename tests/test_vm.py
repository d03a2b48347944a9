"""The VM calls (<ftl/vm.h>, docs/vm.md): test_vm boots small guests in its VM and
checks PSCI, MMIO exits, the trimmed CPU, the emulated GIC, WFI on the virtual timer,
preemption, and that hostile guests stop only their VM; then the app ends and gives
back its guest RAM."""
import re

from ftlboot import ROOT


def test_vm_calls(boot):
    os = boot(apps=["test_vm", "echo", "echo_client"])
    m = os.wait_for(r"\[test_vm\s*\] INFO   TEST DONE passed=(\d+) failed=(\d+)", timeout_s=60)
    assert int(m.group(2)) == 0 and int(m.group(1)) == 5, os.log()
    os.wait_for(r"\[echo_client\s*\] INFO   done: 4 replies", timeout_s=30)  # others ran on
    assert "PANIC" not in os.log()


def test_vm_needs_the_grant(boot):
    spec = (ROOT / "apps" / "test_vm" / "spec.yaml").read_text().replace("  vm: true\n", "")
    os = boot(apps=["test_vm"], specs={"test_vm": spec})
    os.wait_for(r"\[test_vm\s*\] INFO   TEST DONE", timeout_s=60)
    # The grant is checked before anything else: the first call already says so.
    assert re.search(r"TEST FAIL vm.create_checks_its_arguments: ftl_vm_create\(3u << 20, &h, &p\): "
                     r"want FTL_ERR_INVALID_ARG got FTL_ERR_DENIED", os.log()), os.log()


def test_killing_a_vmm_app_frees_its_vm(boot):
    """test_kill kills test_vm_victim while its guest spins with interrupts masked (twice,
    after a warm-up): each ends at once, and free pages, kernel memory and the process
    count return to where they were."""
    spec = (ROOT / "apps" / "test_kill" / "spec.yaml").read_text()
    spec = spec.replace("string: test_victim }", "string: test_vm_victim }")
    spec = spec.replace("spawn: [test_victim,", "spawn: [test_vm_victim, test_victim,")
    os = boot(apps=["test_kill", "test_vm_victim"], specs={"test_kill": spec})
    m = os.wait_for(r"\[test_kill\s*\] INFO   TEST DONE passed=(\d+) failed=(\d+)", timeout_s=60)
    assert int(m.group(2)) == 0 and int(m.group(1)) == 3, os.log()
    killed = [line for line in os.lines
              if re.search(r"\[test_vm_victim\s*\] ERROR  killed: by test_kill$", line)]
    assert len(killed) == 3, os.log()
    assert "not killed" not in os.log() and "PANIC" not in os.log()

"""`make test-slow`: the app set of tests/test_boot_el1.py (kernel suite in user mode,
echo, a crashing app, WebAssembly, HTTP over a forwarded port, a VM app) in every other
configuration a machine may boot FTL in, and the other-loader boot at EL2."""
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_boot_el1 import boot_everything, boot_via_stub, check_everything_runs  # noqa: E402
from test_isolation import FAULTS, as_mode  # noqa: E402


@pytest.mark.parametrize("el,gic", [(1, 3), (2, 2), (2, 3)])
def test_every_kind_of_app_runs(boot, el, gic):
    os, port = boot_everything(boot, el=el, gic=gic)
    check_everything_runs(os, port, el=el, gic=gic)


def test_el2_without_vhe_runs_at_el1(boot):
    # A Cortex-A57 has EL2 but no VHE: FTL leaves EL2 unused and runs as at EL1.
    os, port = boot_everything(boot, el=2, gic=3, extra=["-cpu", "cortex-a57"])
    first = next(line for line in os.lines if line.startswith("[kernel"))
    assert "FTL booting at EL1 (entered at EL2 without VHE), GICv3:" in first
    os.wait_for(r"TEST DONE passed=\d+ failed=0")
    os.wait_for(r"apps/guest_vm/spec\.yaml: not started: isolation 'vmm' needs EL2 "
                r"\(hardware virtualization\) and FTL runs at EL1 \(entered at EL2 without "
                r"VHE\) here$")


def test_el2_kernel_runs_where_another_loader_put_it(tmp_path):
    os = boot_via_stub(tmp_path, 0x9fe00000, el=2, memory="2G")
    try:
        # A 2 MiB-aligned address without the text offset: 4 KiB pages map it too.
        os.wait_for(r"FTL booting at EL2 \(VHE\), GICv3: 2048 MiB RAM at 0x40000000, kernel "
                    r"at 0x9fe00000")
        os.wait_for(r"^\[hello       \] INFO   Hello from FTL!$")
        assert not re.search(r"PANIC|ERROR", os.log())
    finally:
        os.stop()


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_user_faults_are_contained_at_el1(boot, kind):
    # At EL1 a user app's exceptions go to the EL1 vectors (at EL2 with VHE, TGE sends
    # them to EL2): every kind of fault still ends only that app.
    os = boot(apps=["echo", "test_fault", "test_late", "hello"], el=1,
              specs={"test_fault": as_mode("test_fault", "user", kind=kind)})
    os.wait_for(rf"^\[test_fault  \] ERROR  {FAULTS[kind]}")
    os.wait_for(r'^\[test_late   \] INFO   still running: echo answered "late"$')
    assert "PANIC" not in os.log()

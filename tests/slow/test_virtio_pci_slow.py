"""`make test-slow`: virtio over PCI in the other configurations (tests/test_virtio_pci.py
has the quick one): at EL1 with a GICv2 and a GICv3, the drivers in user and vmm mode
(their BAR mapped into their own address space), and virtio-blk on a scratch disk checked
against the host's model of apps/test_blk's writes."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_boot_el1 import as_mode  # noqa: E402
from test_storage import model_of_test_blk, scratch_disk  # noqa: E402
from test_virtio_pci import PCI_APPS, boot_pci, check_network_and_disk  # noqa: E402


@pytest.mark.parametrize("el,gic", [(1, 2), (1, 3)])
def test_virtio_pci_at_el1(boot, el, gic):
    os, port = boot_pci(boot, el=el, gic=gic)
    check_network_and_disk(os, port)


@pytest.mark.parametrize("mode", ["user", "vmm"])
def test_virtio_pci_drivers_in_their_own_space(boot, mode):
    specs = {a: as_mode(a, mode) for a in ["virtio_net", "virtio_blk"]}
    os, port = boot_pci(boot, specs=specs)
    check_network_and_disk(os, port)


@pytest.mark.parametrize("mode", ["inkernel", "user"])
def test_virtio_blk_pci_random_writes_match_a_host_model(boot, tmp_path, mode):
    disk = scratch_disk(tmp_path / "scratch.img")
    os = boot(apps=["virtio_blk", "test_blk"], specs={"virtio_blk": as_mode("virtio_blk", mode)},
              disk=disk, virtio="pci")
    os.wait_for(r"virtio-blk: 8 MiB disk \(modern virtio-pci")
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=120)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 4, "\n".join(fails)
    os.stop()
    assert disk.read_bytes() == model_of_test_blk()


def test_the_default_image_over_pci(boot):
    # Every default app (the shell, JS, WebAssembly, fs) with both devices on PCI; the
    # Linux guest's app reports its own errors without `make linux-guest`.
    os, port = boot_pci(boot, apps=None)
    os.wait_for(r"startup: (\d+) of \1 apps started$")
    check_network_and_disk(os, port, others_may_fail=("linux",))
    assert set(PCI_APPS) - {"echo"} <= {line.split("]")[0].strip("[ ") for line in os.lines}

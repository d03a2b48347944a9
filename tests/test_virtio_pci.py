"""Virtio over PCI (docs/booting.md#pci): the kernel enumerates QEMU virt's PCIe host
bridge, assigns the BARs, and the same virtio_net and virtio_blk apps drive
virtio-net-pci and virtio-blk-pci devices. tests/slow/test_boot_configs.py boots more
configurations with them."""
import pytest

from ftlboot import DISK_IMG, ROOT
from test_net import free_port, request

PCI_APPS = ["virtio_net", "tcpip", "apiserver", "echo", "echo_client", "virtio_blk", "fs",
            "motd"]


def pci_net(port):
    """A virtio-net-pci NIC on QEMU's user network, host port `port` forwarded to 80."""
    return ["-netdev", f"user,id=testnet,hostfwd=tcp:127.0.0.1:{port}-:80",
            "-device", "virtio-net-pci,romfile=,netdev=testnet"]


def boot_pci(boot, apps=PCI_APPS, specs=None, **kwargs):
    """Boots `apps` with the NIC and the disk image on PCI; returns (os, port)."""
    port = free_port()
    os = boot(apps=apps, specs=specs, extra=pci_net(port), virtio="pci", **kwargs)
    return os, port


def check_network_and_disk(os, port, others_may_fail=()):
    """What a boot of PCI_APPS must show: the functions found, both drivers on the
    modern virtio-pci transport, echo, HTTP through the NIC, the ext4 disk mounted, and
    no error but from the apps in `others_may_fail`."""
    os.wait_for(r"^\[kernel      \] INFO   pci: ECAM at 0x[0-9a-f]+, 3 functions on bus 0")
    os.wait_for(r"pci: 00:01\.0 virtio device 1, INTx \d+, modern transport$")
    os.wait_for(r"pci: 00:0\d\.0 virtio device 2, INTx \d+, modern transport$")
    os.wait_for(r"virtio-net: ethernet:52:54:00:12:34:56 registered with tcpip \(modern "
                r"virtio-pci, rx 64, tx 64 descriptors\)")
    os.wait_for(r"virtio-blk: 256 MiB disk \(modern virtio-pci, ")
    os.wait_for(r"\[tcpip\s*\] INFO   DHCP: got 10\.0\.2\.15", timeout_s=90)
    os.wait_for(r"apiserver: serving HTTP on port 80", timeout_s=10)
    os.wait_for(r"^\[echo_client \] INFO   done: 4 replies, channel closed$")
    os.wait_for(r"fs: mounted ext4 'ftl'")
    os.wait_for(r"^\[motd        \] INFO   motd: Welcome to FTL\.")
    status, _, body = request(port, "POST", "/api/echo", body=b"over PCI")
    assert (status, body) == (200, b"over PCI")
    status, _, body = request(port, "GET", "/api/ps")
    assert status == 200 and b"\"name\":\"virtio_blk\"" in body
    big = bytes(range(256)) * 64  # 16 KiB: many frames each way through the PCI NIC
    status, _, body = request(port, "POST", "/api/echo", body=big)
    assert (status, body) == (200, big)
    errors = [line for line in os.lines if "  ERROR  " in line and
              line[1:].split("]")[0].strip() not in others_may_fail]
    assert "PANIC" not in os.log() and not errors, "\n".join(errors)


def test_virtio_net_and_blk_over_pci(boot):
    os, port = boot_pci(boot)
    check_network_and_disk(os, port)


def test_two_functions_share_one_intx_line(boot):
    # QEMU rotates 4 SPIs over the slots: slots 1 and 5 both raise SPI 4 (INTID 36) on
    # INTA. Both drivers own the line; it is unmasked once both acked, so network
    # and disk keep working side by side.
    port = free_port()
    disk = ["-drive", f"file={DISK_IMG},if=none,format=raw,id=disk0,snapshot=on,"
            "file.locking=off", "-device", "virtio-blk-pci,drive=disk0,addr=0x5"]
    os = boot(apps=PCI_APPS, extra=pci_net(port) + disk, virtio="pci")
    os.wait_for(r"pci: 00:05\.0 virtio device 2, INTx 36, modern transport$")
    check_network_and_disk(os, port)
    assert "pci: 00:01.0 virtio device 1, INTx 36, modern transport" in os.log()


@pytest.mark.parametrize("mode", ["user", "inkernel"])
def test_driver_sdk_reaches_a_pci_device(boot, mode):
    # apps/test_device on the PCI NIC: the BAR mapped (into a user app's own space, or
    # the kernel's view), the structures' offsets inside it, the common structure live.
    spec = (ROOT / "apps" / "test_device" / "spec.yaml").read_text()
    spec = spec.replace('"virtio,mmio"', '"virtio,pci"').replace("isolation: user",
                                                                 f"isolation: {mode}")
    os = boot(apps=["test_device"], specs={"test_device": spec},
              extra=["-netdev", "user,id=n0", "-device", "virtio-net-pci,romfile=,netdev=n0"])
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)")
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 5, "\n".join(fails)


def test_a_pci_only_spec_does_not_take_an_mmio_device(boot):
    # compatible "virtio,pci" matches PCI functions only: on a machine whose NIC is on
    # virtio-mmio the item is not found; "virtio,mmio" the other way round.
    spec = (ROOT / "apps" / "virtio_net" / "spec.yaml").read_text()
    pci_only = spec.replace("compatible: virtio,", 'compatible: "virtio,pci",')
    mmio_only = (ROOT / "apps" / "virtio_blk" / "spec.yaml").read_text().replace(
        "compatible: virtio,", 'compatible: "virtio,mmio",')
    assert pci_only != spec
    os = boot(apps=["virtio_net", "tcpip", "virtio_blk", "hello"],
              specs={"virtio_net": pci_only, "virtio_blk": mmio_only},
              extra=["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"],
              virtio="pci")
    os.wait_for(r"apps/virtio_net/spec\.yaml:\d+: cannot set up 'nic': FTL_ERR_NOT_FOUND")
    os.wait_for(r"apps/virtio_blk/spec\.yaml:\d+: cannot set up 'disk': FTL_ERR_NOT_FOUND")
    os.wait_for(r"^\[hello       \] INFO   Hello from FTL!$")
    assert "PANIC" not in os.log()

"""Device access for drivers, on a real virtio-mmio network device."""
import pytest

NIC = ["-netdev", "user,id=net0", "-device", "virtio-net-device,netdev=net0",
       "-global", "virtio-mmio.force-legacy=false"]


@pytest.mark.parametrize("mode", ["user", "inkernel"])
def test_driver_sdk_reaches_the_device(boot, mode):
    from ftlboot import ROOT
    spec = (ROOT / "apps" / "test_device" / "spec.yaml").read_text()
    spec = spec.replace("isolation: user", f"isolation: {mode}")
    os = boot(apps=["test_device"], specs={"test_device": spec}, extra=NIC)
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)")
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 5, "\n".join(fails)


def test_device_nobody_has_is_reported_and_others_start(boot):
    # A -netdev of our own with no device: the machine has no virtio-net at all.
    os = boot(apps=["test_device", "hello"], extra=["-netdev", "user,id=nonic"])
    os.wait_for(r"apps/test_device/spec\.yaml:\d+: cannot set up 'nic': FTL_ERR_NOT_FOUND")
    os.wait_for(r"Hello from FTL!")

"""Storage end to end: the virtio-blk driver on a scratch disk checked against a model
kept on the host, and the fs server on the ext4 image (docs/fs.md)."""
import struct

import pytest

from ftlboot import ROOT

MODERN = ["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0",
          "-global", "virtio-mmio.force-legacy=false"]
LEGACY = ["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"]
SCRATCH_SECTORS = 16384  # 8 MiB


def scratch_disk(path):
    """Sector s holds s as 8 little-endian bytes, then 504 bytes of s & 0xff."""
    with open(path, "wb") as f:
        for s in range(SCRATCH_SECTORS):
            f.write(struct.pack("<Q", s) + bytes([s & 0xff]) * 504)
    return path


def model_of_test_blk():
    """The scratch disk after apps/test_blk's writes: the same generator, the same choices."""
    data = bytearray()
    for s in range(SCRATCH_SECTORS):
        data += struct.pack("<Q", s) + bytes([s & 0xff]) * 504
    rng = 12345

    def rnd():
        nonlocal rng
        rng = (rng * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return rng >> 33

    for _ in range(512 // 16):
        used = set()
        for _ in range(16):
            chunk = rnd() % 256
            off = rnd() % 8
            count = 1 + rnd() % (8 - off)
            fill = rnd() & 0xff
            if chunk in used:
                continue
            used.add(chunk)
            sector = chunk * 8 + off
            for j in range(count):
                start = (sector + j) * 512
                data[start:start + 512] = bytes([(fill + j) & 0xff]) * 512
    return bytes(data)


@pytest.mark.parametrize("mode,nic", [("inkernel", MODERN), ("user", MODERN),
                                      ("inkernel", LEGACY)],
                         ids=["inkernel-modern", "user-modern", "inkernel-legacy"])
def test_virtio_blk_random_writes_match_a_host_model(boot, tmp_path, mode, nic):
    disk = scratch_disk(tmp_path / "scratch.img")
    spec = (ROOT / "apps" / "virtio_blk" / "spec.yaml").read_text()
    spec = spec.replace("isolation: inkernel", f"isolation: {mode}")
    os = boot(apps=["virtio_blk", "test_blk"], specs={"virtio_blk": spec}, extra=nic, disk=disk)
    kind = "legacy" if nic is LEGACY else "modern"
    os.wait_for(rf"virtio-blk: 8 MiB disk \({kind} virtio-mmio")
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=120)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 4, "\n".join(fails)
    os.stop()
    assert disk.read_bytes() == model_of_test_blk()


def test_virtio_blk_survives_a_client_leaving_requests_in_flight(boot, tmp_path):
    disk = scratch_disk(tmp_path / "scratch.img")
    spec = (ROOT / "apps" / "test_blk" / "spec.yaml").read_text()
    spec = spec.replace('string: "all"', 'string: "abandon"')
    os = boot(apps=["virtio_blk", "test_blk", "hello"], specs={"test_blk": spec}, extra=MODERN,
              disk=disk)
    os.wait_for(r"test_blk: leaving 16 reads in flight")
    os.wait_for(r"virtio-blk: client gone")
    os.wait_for(r"Hello from FTL!")
    assert not any("virtio_blk" in line and "ERROR" in line for line in os.lines), os.log()

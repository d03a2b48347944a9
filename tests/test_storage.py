"""Storage end to end: the virtio-blk driver on a scratch disk checked against a model
kept on the host, and the fs server on the ext4 image (docs/fs.md)."""
import signal
import struct
import subprocess
import time
from os import killpg

import pytest

from ftlboot import DISK_IMG, ROOT

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


FS_APPS = ["virtio_blk", "fs", "test_fs", "test_fs_client", "test_fs_crash"]


def fresh_disk(tmp_path):
    """A copy of build/disk.img (what `make run` attaches), so the test's writes stay here."""
    disk = tmp_path / "disk.img"
    subprocess.run(["cp", "--sparse=always", str(DISK_IMG), str(disk)], check=True)
    return disk


def e2fsck_clean(disk):
    r = subprocess.run(["e2fsck", "-fn", str(disk)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def run_test_fs(boot, disk, big_mib=8, timeout_s=240):
    spec = (ROOT / "apps" / "test_fs" / "spec.yaml").read_text()
    spec = spec.replace("big_mib: { number: 8 }", f"big_mib: {{ number: {big_mib} }}")
    os = boot(apps=FS_APPS, specs={"test_fs": spec}, disk=disk, timeout_s=timeout_s + 60)
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=timeout_s)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    os.stop()
    return os, int(m.group(1)), int(m.group(2)), fails


def test_fs_every_operation_persists_across_boots_and_e2fsck_is_clean(boot, tmp_path):
    disk = fresh_disk(tmp_path)
    os, passed, failed, fails = run_test_fs(boot, disk)
    assert failed == 0 and passed == 13, "\n".join(fails) + os.log()
    assert any("booted test_fs 0 times before" in line for line in os.lines)
    assert any("test_fs_crash: exiting with 10 files open" in line for line in os.lines)
    assert sum("test_fs_client: wrote /clients/c" in line for line in os.lines) == 4
    print(next(line for line in os.lines if "fs figures:" in line))
    e2fsck_clean(disk)
    # The same image again: what the first boot wrote is there.
    os, passed, failed, fails = run_test_fs(boot, disk)
    assert failed == 0 and passed == 1, "\n".join(fails)
    assert any("booted test_fs 1 times before" in line for line in os.lines), os.log()
    e2fsck_clean(disk)
    listing = subprocess.run(["debugfs", "-R", "ls -l /clients", str(disk)],
                             capture_output=True, text=True).stdout
    assert all(f" c{i}" in listing for i in range(4)), listing


@pytest.mark.parametrize("mode", ["user"])
def test_fs_server_runs_as_a_user_app(boot, tmp_path, mode):
    disk = fresh_disk(tmp_path)
    spec = (ROOT / "apps" / "fs" / "spec.yaml").read_text()
    spec = spec.replace("isolation: inkernel", f"isolation: {mode}")
    os = boot(apps=["virtio_blk", "fs", "motd"], specs={"fs": spec}, disk=disk)
    os.wait_for(r"motd: Welcome to FTL\.")
    os.stop()
    e2fsck_clean(disk)


def test_default_image_logs_the_motd(boot):
    os = boot()
    os.wait_for(r"fs: mounted ext4 'ftl'")
    os.wait_for(r"motd: Welcome to FTL\. This line comes from file:/motd")


def test_files_fsynced_before_a_kill_survive_e2fsck_p(boot, tmp_path):
    disk = fresh_disk(tmp_path)
    os = boot(apps=["virtio_blk", "fs", "test_fs_sync_loop"], disk=disk)
    os.wait_for(r"fsynced 30$", timeout_s=120)
    # "fsynced N" is logged just after a sync, while the file system is clean: wait a
    # little so that the kill most likely lands in the middle of the next file.
    time.sleep(0.2)
    killpg(os.proc.pid, signal.SIGKILL)  # no shutdown: the guest is cut off mid-write
    os.stop()
    done = max(int(line.split()[-1]) for line in os.lines if "fsynced " in line)
    r = subprocess.run(["e2fsck", "-p", str(disk)], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    assert r.returncode in (0, 1), r.stdout + r.stderr  # 1: errors corrected
    e2fsck_clean(disk)
    for n in range(done + 1):
        out = tmp_path / f"f{n}"
        subprocess.run(["debugfs", "-R", f"dump /crash/f{n} {out}", str(disk)],
                       capture_output=True, check=True)
        want = bytes(((n * 13 + i // 512) & 0xff) for i in range(48 * 1024))
        assert out.exists() and out.read_bytes() == want, f"/crash/f{n} after fsync {done}"


def test_wasi_program_writes_a_file_a_c_app_reads_it(boot, tmp_path):
    disk = fresh_disk(tmp_path)
    os = boot(apps=["virtio_blk", "fs", "test_wasi_files"], disk=disk)
    os.wait_for(r"wasi files: (ok|FAIL)")
    assert any("wasi files: ok 38" in line for line in os.lines), os.log()
    os.stop()  # the program fsynced before saying ok
    e2fsck_clean(disk)
    os = boot(apps=["virtio_blk", "fs", "test_fs_cat"], disk=disk)
    os.wait_for(r"cat: wasi checks passed: 38$")
    os.stop()
    e2fsck_clean(disk)


def test_wasi_preopen_maps_to_the_directory_its_spec_names(boot, tmp_path):
    # The guest's / is the server's /nowhere, which has no motd: the first check fails.
    spec = (ROOT / "apps" / "test_wasi_files" / "spec.yaml").read_text()
    spec = spec.replace('"file:/"', '"file:/nowhere"')
    os = boot(apps=["virtio_blk", "fs", "test_wasi_files"], specs={"test_wasi_files": spec},
              disk=fresh_disk(tmp_path))
    os.wait_for(r"wasi files: FAIL line \d+: f != NULL \(errno 44\)")  # ENOENT


def debugfs(disk, request, write=False):
    r = subprocess.run(["debugfs"] + (["-w"] if write else []) + ["-R", request, str(disk)],
                       capture_output=True, text=True, check=True)
    return r.stdout


BAD_PREOPENS = """name: bad_preopens
isolation: wasm
env:
  fs: { service: fs }
preopens:
  /a: file:/data
  /a: file:/wasi_out
"""


def test_wasi_two_preopens_links_and_times_reach_the_disk(boot, tmp_path):
    disk = fresh_disk(tmp_path)
    debugfs(disk, "mkdir /wasi_out", write=True)
    os = boot(apps=["virtio_blk", "fs", "test_wasi_preopens"], disk=disk,
              specs={"bad_preopens": BAD_PREOPENS})
    os.wait_for(r"wasi preopens: (ok|FAIL)")
    assert any("wasi preopens: ok 39" in line for line in os.lines), os.log()
    # A spec with a preopen listed twice is refused with its file, line and reason.
    assert any("apps/bad_preopens/spec.yaml:7: duplicate preopen '/a' (first on line 6)" in line
               for line in os.lines), os.log()
    os.stop()  # the program fsynced before saying ok
    e2fsck_clean(disk)  # the link counts are right
    data = debugfs(disk, "stat /data/readme.txt")
    link = debugfs(disk, "stat /wasi_out/readme.link")
    assert "Links: 2" in data and data.splitlines()[0] == link.splitlines()[0], data + link
    # mtime 1500000000 s + 987654321 ns: seconds, then ns << 2 in the inode's extra word
    assert f"mtime: 0x{1500000000:08x}:{987654321 << 2:08x}" in link, link
    assert "Size: 10000" in debugfs(disk, "stat /wasi_out/result.txt")
    assert debugfs(disk, "cat /wasi_out/result.txt").startswith("written through /out\n")

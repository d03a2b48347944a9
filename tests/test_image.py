"""The compressed boot image (docs/booting.md): the self-extracting kernel and the
initfs's packed files boot, and a corrupt or cut image stops with a line saying why
instead of running garbage."""
import struct

from ftlboot import DEFAULT_INITFS, KERNEL, Qemu, make_initfs

STUB_INFO = 64  # zimage_info: frame offset, frame bytes, dest offset, kernel bytes, image_size


def test_self_extracting_kernel_runs_two_mib_past_itself_with_the_packed_apps():
    frame_offset, frame_bytes, dest_offset, kernel_bytes, _ = struct.unpack_from(
        "<5Q", KERNEL.read_bytes(), STUB_INFO)
    assert frame_offset + frame_bytes == KERNEL.stat().st_size
    assert frame_bytes < kernel_bytes  # compressed
    q = Qemu(disk=False, timeout_s=120)
    try:
        q.wait_for(rf"FTL booting at .* kernel at {0x40080000 + dest_offset:#x}, ")
        q.wait_for(r"\[kernel +\] INFO   initfs: \d+ KiB of files unpacked in \d+ us$")
        q.wait_for(r"\[hello +\] INFO   Hello from FTL!$")
        assert "PANIC" not in q.log()
    finally:
        q.stop()


def test_a_corrupt_kernel_frame_stops_the_boot_with_a_line(tmp_path):
    image = bytearray(KERNEL.read_bytes())
    frame_offset = struct.unpack_from("<Q", image, STUB_INFO)[0]
    # The first block's length word (after the 15-byte frame header): over the limit.
    struct.pack_into("<I", image, frame_offset + 15, 0x7fffffff)
    bad = tmp_path / "kernel.bin"
    bad.write_bytes(image)
    q = Qemu(kernel=bad, disk=False, timeout_s=60)
    try:
        q.wait_for(r"^FTL: cannot boot: the compressed kernel in the boot image is corrupt: "
                   r"LZ4 block larger than the frame's block size$")
        assert not any("FTL booting" in line for line in q.lines)
    finally:
        q.stop()


def hello_initfs(tmp_path):
    return bytearray(make_initfs(tmp_path / "initfs.bin", ["hello"]).read_bytes())


def test_a_corrupt_initfs_frame_leaves_the_kernel_up_without_apps(tmp_path):
    data = hello_initfs(tmp_path)
    count = struct.unpack_from("<I", data, 8)[0]
    frame = 16 + 64 * count
    struct.pack_into("<I", data, frame + 15, 0x7fffffff)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(data)
    q = Qemu(bad, disk=False, timeout_s=60)
    try:
        q.wait_for(r"\[kernel +\] ERROR  initfs: cannot unpack its files: LZ4 block larger than "
                   r"the frame's block size: no apps to start$")
        assert not any("[hello" in line for line in q.lines)
    finally:
        q.stop()


def test_a_cut_initfs_is_refused(tmp_path):
    data = hello_initfs(tmp_path)
    count, packed = struct.unpack_from("<II", data, 8)
    cut = tmp_path / "cut.bin"
    cut.write_bytes(data[:16 + 64 * count + packed // 2])
    q = Qemu(cut, disk=False, timeout_s=60)
    try:
        q.wait_for(r"\[kernel +\] ERROR  the initfs is malformed \(not made by "
                   r"tools/mkinitfs.py\?\): no apps to start$")
    finally:
        q.stop()


def test_the_linux_guest_stays_stored_and_the_apps_packed():
    data = DEFAULT_INITFS.read_bytes()
    count, packed = struct.unpack_from("<II", data, 8)
    assert packed > 0
    where = {}
    for i in range(count):
        name, off, size = struct.unpack_from("<56sII", data, 16 + 64 * i)
        where[name.rstrip(b"\0").decode()] = off >> 31
    assert where["apps/hello/app.elf"] == 1 and where["apps/hello/spec.yaml"] == 1
    assert where["apps/linux/Image"] == 0  # read in place when a VM starts

"""FTL where virtual machines boot (docs/booting.md): entered at EL1 as a KVM guest or
a cloud VM is, with a GICv2 beside the GICv3, from another load address, and on
device trees it cannot run on. tests/slow/test_boot_configs.py boots the same app set
in the other configurations."""
import re
import struct
import subprocess

import pytest

from ftlboot import KERNEL, ROOT, Qemu
from test_net import free_port, request

# An app that needs EL2: at EL1 it is refused with one line and the rest comes up.
VMM_SPEC = """name: guest_vm
isolation: vmm
"""

EVERYTHING = ["test_kernel", "test_spinner", "echo", "echo_client", "test_fault", "hello",
              "wasm_hello", "virtio_net", "tcpip", "apiserver"]


def as_mode(app, mode):
    spec = (ROOT / "apps" / app / "spec.yaml").read_text()
    return re.sub(r"(?m)^isolation: \w+", f"isolation: {mode}", spec)


def boot_everything(boot, el, gic, extra=()):
    """Boots the in-OS kernel suite in user mode, echo with a user-mode client, a
    user-mode app that crashes, a WebAssembly app, the network stack forwarded from a
    free host port and an app that needs EL2; returns (os, port) once DHCP is done."""
    port = free_port()
    net = ["-netdev", f"user,id=testnet,hostfwd=tcp:127.0.0.1:{port}-:80",
           "-device", "virtio-net-device,netdev=testnet",
           "-global", "virtio-mmio.force-legacy=false"]
    specs = {"test_kernel": as_mode("test_kernel", "user"),
             "test_spinner": as_mode("test_spinner", "user"),
             "guest_vm": VMM_SPEC}
    os = boot(apps=EVERYTHING, specs=specs, el=el, gic=gic, extra=net + list(extra))
    os.wait_for(r"\[tcpip\s*\] INFO   DHCP: got 10\.0\.2\.15", timeout_s=90)
    os.wait_for(r"apiserver: serving HTTP on port 80", timeout_s=10)
    return os, port


def check_everything_runs(os, port, el, gic):
    """What boot_everything's boot must show in any configuration."""
    mode = "EL2 \\(VHE\\)" if el == 2 else "EL1"
    first = next(line for line in os.lines if line.startswith("[kernel"))
    assert re.match(rf"\[kernel +\] INFO   FTL booting at {mode}, GICv{gic}: \d+ MiB RAM", first)
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=120)
    assert int(m.group(1)) > 0 and int(m.group(2)) == 0, os.log()
    os.wait_for(r"^\[test_fault  \] ERROR  crashed: NULL pointer dereference at pc ")
    os.wait_for(r"^\[hello       \] INFO   Hello from FTL!$")
    os.wait_for(r"^\[wasm_hello  \] INFO   Hello from WebAssembly!")
    os.wait_for(r"^\[echo_client \] INFO   done: 4 replies, channel closed$")
    status, _, body = request(port, "POST", "/api/echo", body=b"over the forward")
    assert (status, body) == (200, b"over the forward")
    status, _, body = request(port, "GET", "/api/ps")
    assert status == 200 and b"\"name\":\"tcpip\"" in body and b"\"name\":\"echo\"" in body
    # Every app but the VM came up; the VM's line says why it did not, at EL1 only.
    n = len(EVERYTHING)
    if el == 1:
        os.wait_for(r"^\[kernel      \] ERROR  apps/guest_vm/spec\.yaml: not started: isolation "
                    r"'vmm' needs EL2 \(hardware virtualization\) and FTL runs at EL1 here$")
        os.wait_for(rf"startup: {n} of {n + 1} apps started$")
    assert "PANIC" not in os.log()


def test_el1_with_gicv2_runs_every_kind_of_app_and_refuses_a_vm(boot):
    os, port = boot_everything(boot, el=1, gic=2)
    check_everything_runs(os, port, el=1, gic=2)


# ---- other loaders: the kernel entered at another address ----

def test_image_header_tells_other_loaders_what_linux_booting_rst_asks():
    code0, _, text_offset, image_size, flags, magic = struct.unpack_from(
        "<II QQQ 24x 4s", KERNEL.read_bytes())
    assert magic == b"ARM\x64"
    assert code0 >> 26 == 0b000101          # code0 is a branch past the header
    assert text_offset == 0x80000
    assert image_size >= KERNEL.stat().st_size and image_size % 4096 == 0  # bss included
    assert flags == 0b1010                  # little endian, 4 KiB pages, anywhere in RAM


def boot_via_stub(tmp_path, kernel_addr, dtb=None, el=1, memory="256M", apps_initfs=None):
    """Boots tools/loadstub.py's stub with QEMU's -kernel; it enters build/kernel.bin,
    placed by QEMU's generic loader at `kernel_addr`, with QEMU's DTB or with `dtb`
    (a file, loaded untouched at 0x4c000000) in x0."""
    stub = tmp_path / "stub.bin"
    dtb_addr = 0x4c000000 if dtb else 0
    subprocess.run(["python3", str(ROOT / "tools" / "loadstub.py"), str(stub),
                    hex(kernel_addr), hex(dtb_addr)], check=True)
    extra = ["-m", memory,
             "-device", f"loader,file={KERNEL},addr={hex(kernel_addr)},force-raw=on"]
    if dtb:
        extra += ["-device", f"loader,file={dtb},addr={hex(dtb_addr)},force-raw=on"]
    return Qemu(apps_initfs, kernel=stub, el=el, gic=3, extra=extra, timeout_s=120)


def test_kernel_runs_where_another_loader_put_it(tmp_path):
    # A 2 MiB-aligned base + text_offset in the third GiB, far from where -kernel puts it.
    # build/kernel.bin decompresses the kernel to a fixed distance past itself (the
    # offset its mkzimage.py header records, zimage_info at byte 64).
    dest_offset = struct.unpack_from("<Q", KERNEL.read_bytes(), 64 + 16)[0]
    os = boot_via_stub(tmp_path, 0x9fe80000, memory="2G")
    try:
        os.wait_for(r"FTL booting at EL1, GICv3: 2048 MiB RAM at 0x40000000, kernel at "
                    rf"{0x9fe80000 + dest_offset:#x}")
        os.wait_for(r"^\[hello       \] INFO   Hello from FTL!$")
        os.wait_for(r"startup: (\d+) of \1 apps started(, \d+ more on demand)?$")  # every default app
        assert "PANIC" not in os.log()
    finally:
        os.stop()


# ---- device trees FTL cannot run on ----

@pytest.fixture(scope="module")
def qemu_dts(tmp_path_factory):
    """QEMU virt's device tree at EL1 as source text (dtc, from device-tree-compiler)."""
    d = tmp_path_factory.mktemp("dtb")
    subprocess.run(["timeout", "30", "qemu-system-aarch64", "-M",
                    f"virt,gic-version=3,dumpdtb={d / 'virt.dtb'}", "-cpu", "max", "-m", "256M",
                    "-nographic", "-nic", "none"], check=True, capture_output=True)
    return subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(d / "virt.dtb")],
                          check=True, capture_output=True, text=True).stdout


def compile_dts(tmp_path, text):
    out = tmp_path / "edited.dtb"
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(out)], input=text,
                   check=True, text=True)
    return out


def drop_node(dts, name):
    edited, n = re.subn(rf"\n\t{re.escape(name)} \{{.*?\n\t\}};", "", dts, flags=re.S)
    assert n == 1, f"no node {name} in QEMU's device tree"
    return edited


def ends_by_itself(os, timeout_s=60):
    """Waits for QEMU to exit on its own (the kernel's PSCI SYSTEM_OFF), not by timeout."""
    try:
        rc = os.proc.wait(timeout=timeout_s)
    finally:
        os.stop()
    assert rc == 0, f"QEMU exited with {rc} (124: timeout, the kernel hung); log:\n{os.log()}"


def test_unknown_interrupt_controller_is_named_on_the_uart(boot, tmp_path, qemu_dts):
    dts = qemu_dts.replace('compatible = "arm,gic-v3";', 'compatible = "arm,gic-v5";')
    os = boot(apps=["hello"], el=1, gic=3, extra=["-dtb", str(compile_dts(tmp_path, dts))])
    os.wait_for(r"^\[kernel      \] ERROR  FTL at EL1 cannot boot: no interrupt controller FTL "
                r"knows \(it drives arm,gic-v3, arm,cortex-a15-gic and arm,gic-400\); it has "
                r"'arm,gic-v5' \(device tree at 0x[0-9a-f]+\)$")
    ends_by_itself(os)
    assert len([line for line in os.lines if line.startswith("[")]) == 1, os.log()


def test_missing_memory_node_is_reported_on_the_uart(tmp_path, qemu_dts):
    # QEMU rewrites the memory node of a -dtb file, so the stub hands over one untouched.
    dtb = compile_dts(tmp_path, drop_node(qemu_dts, "memory@40000000"))
    os = boot_via_stub(tmp_path, 0x40280000, dtb=dtb)
    os.wait_for(r"^\[kernel      \] ERROR  FTL at EL1 cannot boot: the device tree has no memory "
                r"node \(device tree at 0x4c000000\)$")
    ends_by_itself(os)


def test_without_a_console_it_powers_off_instead_of_hanging(boot, tmp_path, qemu_dts):
    dts = drop_node(qemu_dts, "pl011@9000000")
    os = boot(apps=["hello"], el=1, gic=3, extra=["-dtb", str(compile_dts(tmp_path, dts))])
    ends_by_itself(os)
    assert not [line for line in os.lines if line.startswith("[")], os.log()

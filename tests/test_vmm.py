"""isolation: vmm: the same ELF runs as an EL1 guest in a VM of its own by changing one
word of its spec; its calls, errors and faults read as in user mode, and what an EL1
guest could try beyond user mode (smc, wfi, EL1 system registers, the timer, PMU,
debug and GIC registers, cache and TLB maintenance, eret) ends only that app."""
import re

import pytest

from ftlboot import ROOT, app_binary
from test_isolation import FAULTS, app_lines, as_mode, run_echo_pair

# Each hostile kind (apps/test_vmm_hostile) and the one line it must end with.
PRIV = r"crashed: privileged or undefined instruction at pc 0x[0-9a-f]+ \(app offset 0x[0-9a-f]+\), address 0x0$"
HOSTILE = {
    "smc": PRIV, "hvc": PRIV, "wfi": PRIV, "sctlr": PRIV, "ttbr": PRIV, "timer": PRIV,
    "pmu": PRIV, "debug": PRIV, "gicreg": PRIV, "gicsgi": PRIV, "setway": PRIV,
    "tlbi": PRIV, "idreg": PRIV, "dcache": PRIV, "icache": PRIV, "udf": PRIV, "svc": PRIV, "el0": PRIV, "sve": PRIV,
    "brk": r"crashed: BRK instruction at pc ",
    "vbar": r"crashed: jump to NULL at pc 0x0 ",
    "gicmmio": r"crashed: access to unmapped memory at pc .*, address 0x8000000$",
    "ram": r"crashed: access to unmapped memory at pc .*, address 0x40000000$",
    "eret": r"crashed: illegal execution state at pc ",
}


def hostile_apps(kinds, binary="test_vmm_hostile", prefix="vh_"):
    """Specs and binaries for one instance of `binary` per kind, named prefix+kind."""
    base = (ROOT / "apps" / binary / "spec.yaml").read_text()
    specs, binaries = {}, {}
    for kind in kinds:
        name = prefix + kind
        spec = re.sub(r"(?m)^name: \w+", f"name: {name}", base)
        spec = re.sub(r"(?m)^isolation: \w+", "isolation: vmm", spec)
        specs[name] = re.sub(r'(?m)^(  kind:\s*\{ string: ).*\}', rf'\g<1>"{kind}" }}', spec)
        if kind == "canary":  # talks to nobody: started without echo
            specs[name] = re.sub(r"(?m)^  echo: .*\n", "", specs[name])
        binaries[name] = app_binary(binary)
    return specs, binaries


def test_hostile_guests_end_alone_and_the_system_keeps_running(boot):
    kinds = sorted(HOSTILE) + ["wfe", "spin"]
    specs, binaries = hostile_apps(kinds)
    faults = sorted(k for k in FAULTS if k != "privileged")
    more, more_bins = hostile_apps(faults, binary="test_fault", prefix="vf_")
    specs.update(more)
    binaries.update(more_bins)
    canaries, canary_bins = hostile_apps(["canary"] * 1, prefix="vc_")
    for i in range(3):  # three VMs swapping the CPU: each keeps its EL1 registers
        specs[f"vc_{i}"] = canaries["vc_canary"].replace("name: vc_canary",
                                                                       f"name: vc_{i}")
        binaries[f"vc_{i}"] = canary_bins["vc_canary"]
    os = boot(apps=["echo", "test_late", "hello", "echo_client"], specs=specs, binaries=binaries)
    for kind, line in HOSTILE.items():
        os.wait_for(rf"^\[vh_{kind:<9}\] ERROR  {line}")
    for kind in faults:  # user mode's fault kinds read the same in a VM
        os.wait_for(rf"^\[vf_{kind:<9}\] ERROR  {FAULTS[kind]}")
    os.wait_for(r"^\[vh_spin     \] INFO   about to misbehave: spin$")
    # The spinner (interrupts masked at EL1) is preempted: the apps started after
    # everyone else still ran to their end.
    os.wait_for(r'still running: echo answered "late"')
    os.wait_for(r"an app started after that ran to its end")
    os.wait_for(r"done: 4 replies, channel closed")
    # Each crashed guest's channel closed: echo saw every one of them go.
    crashed = len(HOSTILE) + len(faults)
    gone = sum("a client disconnected" in line for line in os.lines)
    assert gone >= crashed, f"echo saw {gone} disconnects for {crashed} crashes"
    # A bad call number gets user mode's error; wfe is a no-op on QEMU 7.2 (it never
    # traps, docs/isolation.md) and harmless.
    assert any("call 0xffff: error -17" in line for line in app_lines(os, "vh_hvc"))
    os.wait_for(r"^\[vh_wfe      \] ERROR  still alive after 'wfe'$")
    for i in range(3):
        os.wait_for(rf"^\[vc_{i}        \] INFO   canary: memory and EL1 registers fresh, and kept")
    assert os.proc.poll() is None, "QEMU exited (an smc reached the firmware?)"
    assert "PANIC" not in os.log()
    assert not any("still alive" in line for line in os.lines if "vh_wfe" not in line)


@pytest.mark.parametrize("client,server", [("vmm", "vmm"), ("vmm", "user"), ("inkernel", "vmm")])
def test_echo_output_is_identical_with_vmm(boot, client, server):
    reference = run_echo_pair(boot, "inkernel", "inkernel")
    assert run_echo_pair(boot, client, server) == reference


def test_kernel_suite_and_syscall_fuzz_pass_in_vmm_mode(boot):
    fuzz = (ROOT / "apps" / "test_syscall_fuzz" / "spec.yaml").read_text()
    fuzz = re.sub(r"(?m)^isolation: \w+", "isolation: vmm", fuzz)
    os = boot(apps=["test_kernel", "test_spinner", "test_syscall_fuzz", "echo", "test_late",
                    "hello"],
              specs={"test_kernel": as_mode("test_kernel", "vmm"),
                     "test_spinner": as_mode("test_spinner", "vmm"),
                     "test_syscall_fuzz": fuzz})
    m = os.wait_for(r"syscall fuzz done: seed 1, 20000 calls, \d+ ok, \d+ errors "
                    r"\((\d+) denied, (\d+) out of kernel memory\), (\d+) undocumented "
                    r"results; kernel alive", timeout_s=240)
    assert int(m.group(3)) == 0 and int(m.group(1)) > 0 and int(m.group(2)) > 0
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=240)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0, "\n".join(fails)
    assert "PANIC" not in os.log() and "crashed" not in os.log()


def test_call_suite_passes_in_vmm_mode(boot):
    """ftl_channel_call, ftl_poll_wait_msg and the handoff between two VMs."""
    os = boot(apps=["test_call", "echo"],
              specs={"test_call": as_mode("test_call", "vmm"), "echo": as_mode("echo", "vmm")})
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=240)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) >= 9, "\n".join(fails)


def test_driver_sdk_reaches_the_device_from_a_vm(boot):
    from test_device import NIC
    os = boot(apps=["test_device"], specs={"test_device": as_mode("test_device", "vmm")},
              extra=NIC)
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)")
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 5, "\n".join(fails)


def test_thousand_vms_start_clean_and_end_without_leaking(boot):
    # 1,000 vmm apps one after another: VMIDs (255) are recycled, and free pages,
    # the kernel heap and the process count come back to where they were. Each child
    # is a canary (apps/test_vmm_hostile) checking that its memory and EL1 registers
    # start clean although its predecessor dirtied the same pages, VMID and vCPU slot.
    specs, binaries = hostile_apps(["canary"], prefix="")
    spec = specs["canary"].replace("name: canary", "name: test_exit")
    os = boot(apps=["test_spawn"], specs={"test_exit": spec},
              binaries={"test_exit": binaries["canary"]})
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=300)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 4, "\n".join(fails)
    os.wait_for(r"after 1000 spawns: free pages (\d+) -> \1, heap (\d+) -> \2, processes")
    clean = sum("canary: memory and EL1 registers fresh" in line for line in os.lines)
    assert clean >= 1000, f"only {clean} canaries were clean"  # + test_spawn's other spawns
    assert "PANIC" not in os.log() and "cannot" not in os.log() and "ERROR" not in os.log()


def test_hostile_app_is_bounded_the_same_in_a_vm(boot):
    # tests/test_hostile.py's whole run (every resource attack, the apiserver and the
    # network alongside), with test_hostile as a vmm guest: same limits, same errors.
    import test_hostile
    spec = as_mode("test_hostile", "vmm")
    assert "isolation: vmm" in spec

    def boot_with_vmm_hostile(**kwargs):
        return boot(specs={"test_hostile": spec}, **kwargs)

    test_hostile.test_hostile_apps_get_clean_errors_and_the_system_keeps_serving(
        boot_with_vmm_hostile)


def test_network_stack_runs_in_vms(boot):
    # The virtio-net driver (device window and DMA mapped at stage 2), tcpip and the
    # apiserver, each in a VM of its own, serve HTTP to the host.
    import json

    from test_net import NET_APPS, boot_net, request
    os, port = boot_net(boot, isolation="vmm")
    status, _, body = request(port, "GET", "/api/ps")
    procs = {p["name"]: p for p in json.loads(body)["processes"]}
    assert status == 200 and all(procs[a]["isolation"] == "vmm" for a in NET_APPS)
    payload = bytes(range(256)) * 40
    assert request(port, "POST", "/api/echo", body=payload)[2] == payload
    assert "PANIC" not in os.log()

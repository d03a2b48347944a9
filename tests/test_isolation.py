"""User mode: the same ELF runs at EL0 by changing one word of its spec, and every
fault of a user app is contained."""
import re

import pytest


def as_mode(app, mode, **env):
    """The spec of `app` with its isolation set to `mode` and env strings replaced."""
    from ftlboot import ROOT
    spec = (ROOT / "apps" / app / "spec.yaml").read_text()
    spec = re.sub(r"(?m)^isolation: \w+", f"isolation: {mode}", spec)
    for key, value in env.items():
        spec = re.sub(rf"(?m)^(  {key}:\s*\{{ \w+: ).*\}}", rf'\g<1>"{value}" }}', spec)
    return spec


def app_lines(os, app):
    return [line for line in os.lines if line.startswith(f"[{app:<12}]")]


def run_echo_pair(boot, client_mode, server_mode):
    os = boot(apps=["echo", "echo_client"],
              specs={"echo": as_mode("echo", server_mode),
                     "echo_client": as_mode("echo_client", client_mode)})
    os.wait_for(r"done: 4 replies, channel closed")
    os.wait_for(r"\[echo        \] INFO   a client disconnected")
    assert "ERROR" not in os.log()
    return app_lines(os, "echo_client") + app_lines(os, "echo")


@pytest.mark.parametrize("client,server", [("user", "inkernel"), ("inkernel", "user"),
                                           ("user", "user")])
def test_echo_output_is_identical_in_every_mode(boot, client, server):
    reference = run_echo_pair(boot, "inkernel", "inkernel")
    assert run_echo_pair(boot, client, server) == reference


def test_kernel_suite_passes_in_user_mode(boot):
    os = boot(apps=["test_kernel", "test_spinner"],
              specs={"test_kernel": as_mode("test_kernel", "user"),
                     "test_spinner": as_mode("test_spinner", "user")})
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=240)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0, "\n".join(fails)


@pytest.mark.parametrize("client,server", [("user", "user"), ("user", "inkernel")])
def test_call_suite_passes_in_user_mode(boot, client, server):
    """ftl_channel_call, ftl_poll_wait_msg and the handoff between address spaces."""
    os = boot(apps=["test_call", "echo"],
              specs={"test_call": as_mode("test_call", client),
                     "echo": as_mode("echo", server)})
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=240)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) >= 9, "\n".join(fails)


FAULTS = {
    "null": r"crashed: NULL pointer dereference at pc 0x[0-9a-f]+ \(app offset 0x[0-9a-f]+\), "
            r"address 0x0$",
    "kernel": r"crashed: access to kernel memory at pc .*, address 0xffffff8040080000$",
    "privileged": r"crashed: privileged or undefined instruction at pc ",
    "nx": r"crashed: jump to non-executable memory at pc 0x[0-9a-f]+ ",
    "stack": r"crashed: stack overflow \(guard page\) at pc ",
    "rodata": r"crashed: write to read-only memory at pc ",
}


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_user_fault_is_contained(boot, kind):
    os = boot(apps=["echo", "test_fault", "test_late", "hello"],
              specs={"test_fault": as_mode("test_fault", "user", kind=kind)})
    os.wait_for(rf"^\[test_fault  \] ERROR  {FAULTS[kind]}")
    os.wait_for(r'^\[test_late   \] INFO   still running: echo answered "late"$')
    # echo saw the crashed app's channel close before the later app finished.
    lines = os.lines
    crash = next(i for i, line in enumerate(lines) if "crashed:" in line)
    late = next(i for i, line in enumerate(lines) if "still running" in line)
    assert any("a client disconnected" in line for line in lines[crash:late])
    # ...and an app started after the crash runs: hello's second greeting.
    os.wait_for(r"an app started after that ran to its end")
    assert sum("Hello from FTL!" in line for line in os.lines[crash:]) >= 1
    assert "still alive" not in os.log() and "PANIC" not in os.log()


def test_spinning_user_app_does_not_stop_others(boot):
    os = boot(apps=["echo", "test_fault", "test_late", "echo_client", "hello"],
              specs={"test_fault": as_mode("test_fault", "user", kind="spin")})
    os.wait_for(r"about to misbehave: spin")
    os.wait_for(r'still running: echo answered "late"')
    os.wait_for(r"done: 4 replies, channel closed")

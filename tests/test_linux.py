"""The linux app (docs/linux.md): its exec: service answers every client, also when
the VM cannot run, and a client app (apps/uname) logs what it got."""
from ftlboot import ROOT


def test_exec_without_a_vm_is_refused_with_the_reason_and_the_app_keeps_serving(boot):
    # Without VMs in the kernel (or the grant) ftl_vm_create fails; every OPEN then gets
    # that error in an ERROR_REPLY, and the service stays up for the next client.
    spec = (ROOT / "apps" / "uname" / "spec.yaml").read_text()
    second = spec.replace("name: uname", "name: uname2").replace('"uname -a"', '"echo hi"')
    os = boot(apps=["linux", "uname", "hello"], specs={"uname2": second},
              binaries={"uname2": ROOT / "build" / "apps" / "uname.elf"})
    m = os.wait_for(r"^\[linux\s*\] WARN   linux: no VM \((FTL_ERR_\w+)\)")
    err = m.group(1)
    assert err in ("FTL_ERR_UNSUPPORTED", "FTL_ERR_DENIED")
    os.wait_for(rf"^\[uname\s*\] WARN   uname: the command failed: {err}$")
    os.wait_for(rf"^\[uname2\s*\] WARN   uname: the command failed: {err}$")

"""ftl_process_kill: test_kill kills test_victim while it spins in app code and while it
waits in a kernel call, with the victim in each isolation mode that runs a C app, and
test_victim_js and test_victim_wasm (the same in JavaScript and as a WebAssembly
module)."""
import re

import pytest

from ftlboot import ROOT


def as_mode(app, mode):
    spec = (ROOT / "apps" / app / "spec.yaml").read_text()
    return re.sub(r"(?m)^isolation: \w+", f"isolation: {mode}", spec)


@pytest.mark.parametrize("mode", ["inkernel", "user", "vmm", "js", "wasm"])
def test_a_spawned_app_is_killed_in_any_phase(boot, mode):
    if mode in ("js", "wasm"):
        name = f"test_victim_{mode}"
        specs = {"test_kill": (ROOT / "apps" / "test_kill" / "spec.yaml").read_text()
                 .replace("string: test_victim }", f"string: {name} }}")}
    else:
        name = "test_victim"
        specs = {"test_victim": as_mode("test_victim", mode)}
    os = boot(apps=["test_kill", name], specs=specs)
    m = os.wait_for(r"\[test_kill\s*\] INFO   TEST DONE passed=(\d+) failed=(\d+)",
                    timeout_s=60)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 3, "\n".join(fails)
    killed = [line for line in os.lines
              if re.search(rf"\[{name}\s*\] ERROR  killed: by test_kill$", line)]
    assert len(killed) == 3, os.log()  # the warm-up and the two kills
    victim = " ".join(re.match(r"\[[^]]*\]\s*\w+\s+(\w+)", line).group(1)
                      for line in os.lines if line.startswith(f"[{name}"))
    assert "spinning killed" in victim and "waiting killed" in victim, victim
    assert not any("not killed" in line for line in os.lines)
    assert "PANIC" not in os.log()

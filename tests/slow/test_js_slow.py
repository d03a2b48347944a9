"""`make test-slow` for isolation: js: the echo service and its client in every mode
pair that has a JS side, and 1,000 JS spawns leaving memory where it was."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ftlboot import ROOT  # noqa: E402


def with_mode(app, mode, service=None):
    text = (ROOT / "apps" / app / "spec.yaml").read_text()
    for old in ("isolation: user", "isolation: inkernel"):
        text = text.replace(old, f"isolation: {mode}")
    if service:
        text = text.replace("{ service: echo }", f"{{ service: {service} }}")
    return text


@pytest.mark.parametrize("mode", ["inkernel", "user"])
def test_native_client_in_each_mode_against_js_echo(boot, mode):
    os = boot(apps=["js_echo", "echo_client"],
              specs={"echo_client": with_mode("echo_client", mode, "echo_js")})
    os.wait_for(r"^\[echo_client \] INFO   done: 4 replies, channel closed$")


@pytest.mark.parametrize("server,service,mode", [("echo", "echo", "inkernel"),
                                                 ("echo", "echo", "user"),
                                                 ("wasm_echo", "echo_wasm", None),
                                                 ("js_echo", "echo_js", None)])
def test_js_client_against_each_echo(boot, server, service, mode):
    specs = {"js_echo_client": with_mode("js_echo_client", "js", service)}
    if mode:
        specs[server] = with_mode(server, mode)
    os = boot(apps=[server, "js_echo_client"], specs=specs)
    os.wait_for(r"^\[js_echo_client\] INFO   done: 4 replies, channel closed$")


def test_thousand_js_spawns_leak_nothing(boot):
    os = boot(apps=["test_js_check", "test_js_fault", "test_js_guard", "test_js_hello"])
    m = os.wait_for(r"\[test_js_check\] INFO   TEST DONE passed=(\d+) failed=(\d+)",
                    timeout_s=900)
    assert m.group(2) == "0", [line for line in os.lines if "TEST FAIL" in line]
    os.wait_for(r"1000 spawns: pages (\d+) -> \1, heap (\d+) -> \2, processes (\d+) -> \3")

"""isolation: wasm: WebAssembly modules run in the kernel's engine as FTL apps."""
import pytest

from ftlboot import BUILD, ROOT


def spec(app, **env):
    text = (ROOT / "apps" / app / "spec.yaml").read_text()
    for key, value in env.items():
        text = text.replace(f'{key}: {{ string: "oob" }}', f'{key}: {{ string: "{value}" }}')
    return text


def test_wasi_program_runs_with_its_environ(boot):
    os = boot(apps=["wasm_hello"])
    os.wait_for(r"^\[wasm_hello  \] INFO   Hello from WebAssembly! \(I am wasm_hello\)$")
    os.wait_for(r"the first 10 squares, largest first: 81 64 49 36 25 16 9 4 1 0$")
    assert "ERROR" not in os.log()


def test_wasm_echo_serves_the_native_echo_client(boot):
    client = (ROOT / "apps" / "echo_client" / "spec.yaml").read_text()
    client = client.replace("{ service: echo }", "{ service: echo_wasm }")
    os = boot(apps=["wasm_echo", "echo_client"], specs={"echo_client": client})
    os.wait_for(r'\[echo_client \] INFO   received "Hi!"$')
    os.wait_for(r'\[echo_client \] INFO   received "message 3"$')
    os.wait_for(r"done: 4 replies, channel closed")
    os.wait_for(r"^\[wasm_echo   \] INFO   a client disconnected$")


def _passes(os, at_least):
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=120)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) >= at_least, "\n".join(fails)


def test_wasm_module_calls_and_waits_for_messages(boot):
    """ftl_channel_call and ftl_poll_wait_msg through the import module, to native echo."""
    _passes(boot(apps=["test_call_wasm", "echo"]), 9)


def test_native_calls_to_the_wasm_echo(boot):
    """The native call suite against wasm_echo: replies from a module, requests handed
    into the runtime's buffer while the module waits in ftl_poll_wait_msg."""
    client = (ROOT / "apps" / "test_call" / "spec.yaml").read_text()
    client = client.replace("{ service: echo }", "{ service: echo_wasm }")
    _passes(boot(apps=["test_call", "wasm_echo"], specs={"test_call": client}), 9)


@pytest.mark.parametrize("kind,reason", [("oob", "out of bounds memory access"),
                                         ("unreachable", "unreachable")])
def test_trapping_module_is_stopped_and_others_keep_running(boot, kind, reason):
    os = boot(apps=["echo", "test_wasm_fault", "test_late", "hello"],
              specs={"test_wasm_fault": spec("test_wasm_fault", kind=kind)})
    os.wait_for(rf"^\[test_wasm_fault\] ERROR  trapped: .*{reason}")
    os.wait_for(r'still running: echo answered "late"')
    assert "still alive" not in os.log() and "PANIC" not in os.log()
    trap = next(i for i, line in enumerate(os.lines) if "trapped:" in line)
    assert any("a client disconnected" in line for line in os.lines[trap:])


def test_endless_loop_in_a_module_does_not_freeze_the_system(boot):
    os = boot(apps=["echo", "test_wasm_fault", "test_late", "echo_client", "hello"],
              specs={"test_wasm_fault": spec("test_wasm_fault", kind="loop")})
    os.wait_for(r"about to misbehave: loop")
    os.wait_for(r'still running: echo answered "late"')
    os.wait_for(r"done: 4 replies, channel closed")


def test_unknown_import_is_rejected_by_name(boot):
    module = BUILD / "wasm" / "wasi" / "bad_import.wasm"
    assert module.exists(), "make test-wasi builds it"
    bad = "name: bad_import\nisolation: wasm\n"
    os = boot(apps=["hello"], specs={"bad_import": bad}, binaries={"bad_import": module})
    os.wait_for(r"^\[bad_import  \] ERROR  cannot load module: .*unknown import "
                r"wasi_snapshot_preview1\.sock_open")
    os.wait_for(r"Hello from FTL!")


def test_module_calls_without_their_grant_are_denied(boot):
    os = boot(apps=["test_grants_wasm", "test_exit", "hello"])
    m = os.wait_for(r"^\[test_grants_wasm\] INFO   TEST DONE passed=(\d+) failed=(\d+)$")
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 7, "\n".join(fails)


def test_module_calls_with_their_grant_work(boot):
    granted = (ROOT / "apps" / "test_grants_wasm" / "spec.yaml").read_text() + \
        '  ps: true\n  log_read: true\n  stats: true\nenv:\n  granted: { string: "yes" }\n'
    os = boot(apps=["test_grants_wasm", "test_exit"], specs={"test_grants_wasm": granted})
    m = os.wait_for(r"^\[test_grants_wasm\] INFO   TEST DONE passed=(\d+) failed=(\d+)$")
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 6, "\n".join(fails)

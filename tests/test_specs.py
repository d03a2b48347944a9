"""Bad specs are reported with file, line and reason, at build time and at boot,
and the rest of the system still comes up."""
import subprocess

from ftlboot import BUILD, ROOT

HELLO_TYPO = """name: hello
isolation: inkernel
env:
  greeting: { string: "hi" }
exprts: []
"""


def test_unknown_key_is_reported_at_boot_and_others_start(boot):
    os = boot(apps=["echo", "echo_client"], specs={"broken": HELLO_TYPO.replace("hello", "broken")})
    os.wait_for(r"^\[kernel      \] ERROR  apps/broken/spec\.yaml:5: .*exprts")
    os.wait_for(r"startup: 2 of 2 apps started")
    os.wait_for(r"done: 4 replies, channel closed")


def test_missing_service_names_the_line_and_skips_only_that_app(boot):
    client = """name: lonely
isolation: inkernel
env:
  greeting: { string: "x" }
  db:       { service: database }
"""
    os = boot(apps=["hello"], specs={"lonely": client})
    os.wait_for(r"apps/lonely/spec\.yaml:5: .*database")
    os.wait_for(r"Hello from FTL!")


def test_yaml_syntax_error_is_reported_with_its_line(boot):
    bad = "name: bad\nisolation: inkernel\nenv:\n  x: { string: \"unterminated }\n"
    os = boot(apps=["hello"], specs={"bad": bad})
    os.wait_for(r"apps/bad/spec\.yaml:4: ")
    os.wait_for(r"Hello from FTL!")


def test_a_mode_this_machine_cannot_run_is_reported_and_others_start(boot):
    vmm = "name: hello\nisolation: vmm\n"
    os = boot(apps=["hello", "echo", "echo_client"], specs={"hello": vmm}, el=1)
    os.wait_for(r"apps/hello/spec\.yaml: not started: isolation 'vmm' needs EL2")
    os.wait_for(r"done: 4 replies, channel closed")


def test_speccheck_rejects_a_bad_spec_at_build_time(tmp_path):
    app = tmp_path / "apps" / "hello"
    app.mkdir(parents=True)
    (app / "spec.yaml").write_text(HELLO_TYPO)
    r = subprocess.run([str(BUILD / "host" / "speccheck"), str(app / "spec.yaml")],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode != 0
    assert "spec.yaml:5:" in r.stderr and "exprts" in r.stderr


def test_speccheck_accepts_every_spec_in_the_tree():
    specs = sorted(str(p) for p in (ROOT / "apps").glob("*/spec.yaml"))
    r = subprocess.run([str(BUILD / "host" / "speccheck")] + specs, capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


GRANTS_TYPO = """name: hello
isolation: inkernel
grants:
  ps: true
  spwan: [test_exit]
"""


def speccheck(tmp_path, text):
    app = tmp_path / "apps" / "hello"
    app.mkdir(parents=True, exist_ok=True)
    (app / "spec.yaml").write_text(text)
    return subprocess.run([str(BUILD / "host" / "speccheck"), "apps/hello/spec.yaml"],
                          capture_output=True, text=True, cwd=tmp_path)


def test_speccheck_rejects_an_unknown_grant_with_its_line(tmp_path):
    r = speccheck(tmp_path, GRANTS_TYPO)
    assert r.returncode != 0
    assert ("apps/hello/spec.yaml:5: error: unknown grant 'spwan' (did you mean 'spawn'?)"
            in r.stderr), r.stderr


def test_speccheck_rejects_bad_and_duplicate_grant_values(tmp_path):
    cases = [
        ("grants:\n  ps: yes\n", 4, "grant 'ps' must be true or false, got 'yes'"),
        ("grants:\n  spawn: test_exit\n", 4, "grant 'spawn' must be a list of app names"),
        ("grants:\n  spawn: [test_exit, Hello]\n", 4, "bad app name in grant 'spawn' 'Hello'"),
        ("grants:\n  ps: true\n  ps: true\n", 5, "duplicate grant 'ps' (first on line 4)"),
        ("grants:\n  spawn: [hello, hello]\n", 4,
         "app 'hello' is listed twice in grant 'spawn' (first on line 4)"),
    ]
    for grants, line, reason in cases:
        r = speccheck(tmp_path, "name: hello\nisolation: inkernel\n" + grants)
        assert r.returncode != 0
        assert f"apps/hello/spec.yaml:{line}: error: {reason}" in r.stderr, r.stderr


def test_speccheck_wants_the_device_grant_for_a_device_item(tmp_path):
    nic = 'env:\n  nic: { device: { compatible: "virtio,mmio", virtio_id: 1 } }\n'
    r = speccheck(tmp_path, "name: hello\nisolation: inkernel\n" + nic)
    assert r.returncode != 0
    assert ("apps/hello/spec.yaml:4: error: env item 'nic' is a device: the spec needs "
            "'grants: { device: true }'" in r.stderr), r.stderr
    r = speccheck(tmp_path, "name: hello\nisolation: inkernel\n" + nic + "grants: { device: true }\n")
    assert r.returncode == 0, r.stderr


def test_device_item_without_its_grant_is_reported_at_boot(boot):
    spec = (ROOT / "apps" / "virtio_net" / "spec.yaml").read_text()
    spec = spec.replace("  device: true\n", "")
    os = boot(apps=["hello", "virtio_net"], specs={"virtio_net": spec})
    os.wait_for(r"^\[kernel      \] ERROR  apps/virtio_net/spec\.yaml:\d+: env item 'nic' is a "
                r"device: the spec needs 'grants: \{ device: true \}'$")
    os.wait_for(r"Hello from FTL!")

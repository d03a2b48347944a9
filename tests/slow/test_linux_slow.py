"""`make test-slow`: apps/test_linux with 64 MiB of stdout read slowly by the client
(docs/linux.md): the command waits for the reader, nothing is lost or buffered without
bound. Needs the guest in build/linux (make linux-guest)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ftlboot import ROOT, Qemu, make_initfs  # noqa: E402
from test_linux import needs_guest  # noqa: E402


@needs_guest
def test_64_mib_of_stdout_reach_a_slow_reader(tmp_path):
    spec = (ROOT / "apps" / "test_linux" / "spec.yaml").read_text()
    spec = spec.replace("big_mib: { number: 0 }", "big_mib: { number: 64 }")
    initfs = make_initfs(tmp_path / "initfs.bin", ["linux", "test_linux"],
                         specs={"test_linux": spec})
    os = Qemu(initfs, disk=False, timeout_s=900)
    try:
        done = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=800)
        assert done.group(2) == "0", [line for line in os.lines if "TEST FAIL" in line]
        os.wait_for(r"TEST PASS linux.big_output_to_a_slow_reader")
        os.wait_for(r"64 MiB of stdout in \d+ ms")
    finally:
        os.stop()

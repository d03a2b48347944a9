"""`make test-slow`: the storage benchmark's FTL side (apps/test_fs_bench, which
tools/bench_fs.py runs under -icount) with a small file: it logs its three figures,
reads back what it wrote, removes what it made, and leaves the image e2fsck-clean."""
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_storage import e2fsck_clean, fresh_disk  # noqa: E402
from ftlboot import ROOT  # noqa: E402


def test_fs_bench_logs_its_figures_and_cleans_up(boot, tmp_path):
    disk = fresh_disk(tmp_path)
    spec = (ROOT / "apps" / "test_fs_bench" / "spec.yaml").read_text()
    spec = re.sub(r"mib: \{ number: \d+ \}", "mib: { number: 8 }", spec)
    spec = re.sub(r"files: \{ number: \d+ \}", "files: { number: 50 }", spec)
    os = boot(apps=["virtio_blk", "fs", "test_fs_bench"], specs={"test_fs_bench": spec},
              disk=disk, timeout_s=300)
    os.wait_for(r"BENCH (done|error=)", timeout_s=240)
    os.stop()
    assert not any("BENCH error" in line or "ERROR" in line for line in os.lines), os.log()
    assert any(f"BENCH fs_write bytes={8 << 20} ns=" in line for line in os.lines)
    assert any(f"BENCH fs_read bytes={8 << 20} ns=" in line for line in os.lines)
    assert any("BENCH fs_create files=50 ns=" in line for line in os.lines)
    e2fsck_clean(disk)
    listing = subprocess.run(["debugfs", "-R", "ls -l /", str(disk)], capture_output=True,
                             text=True).stdout
    assert "bench" not in listing, listing

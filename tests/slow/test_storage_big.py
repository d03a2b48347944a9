"""`make test-slow`: test_fs with a 64 MiB file (make test runs it with 8 MiB), then
e2fsck on the image. Prints the read and write rates (noisy: a shared host)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_storage import e2fsck_clean, fresh_disk, run_test_fs  # noqa: E402


def test_fs_64_mib_file(boot, tmp_path):
    disk = fresh_disk(tmp_path)
    os, passed, failed, fails = run_test_fs(boot, disk, big_mib=64, timeout_s=900)
    assert failed == 0 and passed == 13, "\n".join(fails)
    print(next(line for line in os.lines if "fs figures:" in line))
    e2fsck_clean(disk)

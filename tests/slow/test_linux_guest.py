"""`make test-slow`: FTL's Linux guest (make linux-guest) booted directly on QEMU,
without FTL, and driven over its virtio console with the agent's frame protocol:
every check of tools/linux_guest_check.py, on one boot (about 40 s)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import linux_guest_check as check  # noqa: E402


@pytest.fixture(scope="module")
def guest():
    with check.Guest() as g:
        yield g


@pytest.mark.parametrize("name", list(check.CHECKS))
def test_linux_guest(guest, name):
    try:
        check.CHECKS[name](guest)
    except Exception:
        print("serial log tail:\n" + guest.serial_tail())
        raise


def test_a_wrong_answer_fails_its_check():
    """The checks can fail: a guest that answers `echo hi` wrongly fails check_echo."""

    class FakeClient:
        def run(self, line):
            return (0, b"ho\n", b"")

    class FakeGuest:
        client = FakeClient()

    with pytest.raises(AssertionError):
        check.check_echo(FakeGuest())

"""pytest fixtures: `boot(apps=..., specs=...)` starts FTL and stops it after the test."""
import pytest

from ftlboot import Qemu, make_initfs


@pytest.fixture
def boot(tmp_path):
    started = []

    def _boot(apps=None, specs=None, binaries=None, **kwargs):
        initfs = None
        if apps is not None or specs:
            initfs = make_initfs(tmp_path / "initfs.bin", apps or [], specs, binaries)
        q = Qemu(initfs, **kwargs)
        started.append(q)
        return q

    yield _boot
    for q in started:
        q.stop()

"""`make test-slow`: a million random kernel calls from a vmm guest (hvc stubs) with a
fresh seed (FTL_FUZZ_SEED to repeat one): the same error codes as user mode."""
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_syscall_fuzz import run_fuzz  # noqa: E402


def test_million_random_calls_from_a_vm(boot):
    seed = int(os.environ.get("FTL_FUZZ_SEED", random.randrange(1, 1 << 31)))
    print(f"syscall fuzz seed: {seed} (rerun with FTL_FUZZ_SEED={seed} make test-slow)")

    def boot_in_vmm(specs, **kwargs):
        spec = specs["test_syscall_fuzz"]
        assert "isolation: user" in spec
        specs = dict(specs, test_syscall_fuzz=spec.replace("isolation: user", "isolation: vmm"))
        return boot(specs=specs, **kwargs)

    run_fuzz(boot_in_vmm, seed, 1_000_000, timeout_s=1800)

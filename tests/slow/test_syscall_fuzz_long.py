"""`make test-slow`: a million random kernel calls with a fresh seed (FTL_FUZZ_SEED
to repeat one). The seed is printed first so a failure can be replayed."""
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_syscall_fuzz import run_fuzz  # noqa: E402


def test_million_random_calls(boot):
    seed = int(os.environ.get("FTL_FUZZ_SEED", random.randrange(1, 1 << 31)))
    print(f"syscall fuzz seed: {seed} (rerun with FTL_FUZZ_SEED={seed} make test-slow)")
    run_fuzz(boot, seed, 1_000_000, timeout_s=1800)

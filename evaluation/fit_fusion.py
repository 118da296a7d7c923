"""Hybrid retrieval over a grid of fusion weights, on question sets scored apart: do the weights chosen
on one corpus's questions hold on another's?

    .venv/bin/python evaluation/fit_fusion.py --index-dir DIR --questions A.jsonl --questions B.jsonl

DIR is a built index (e.g. the one `mhqa eval --work-dir W` keeps in W/<model>). For every weight triple
(chunk cosine, best-sentence cosine, BM25) of the grid it prints hybrid hit@1, hit@3 and MRR (no reranking) per
question file (hit@1 too), then, for each file, the weights that are best on it and what they give on the others,
beside the weights in use (`index.search.FUSION_WEIGHTS`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import index.search as search_module  # noqa: E402
from evaluation.evaluate import Question, first_hit_rank, hit_at_k, load_questions  # noqa: E402

# BM25 weight, sentence share of the cosine weight: the plateau index/search.py describes, and past it.
BM25_WEIGHTS = (0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6)
SENTENCE_SHARES = (0.0, 0.4, 0.5, 0.6, 1.0)
K = 10


def grid() -> list[tuple[float, ...]]:
    return [(round((1 - b) * (1 - s), 3), round((1 - b) * s, 3), b) for b in BM25_WEIGHTS for s in SENTENCE_SHARES]


def scores(searcher: object, questions: Sequence[Question]) -> tuple[float, float, float]:
    """(hit@1, hit@3, MRR) of hybrid search without reranking over the answerable questions."""
    ranks = []
    for q in questions:
        if q.answerable:
            hits = searcher.search(q.q, k=K, mode="hybrid", rerank=False)  # type: ignore[attr-defined]
            ranks.append(first_hit_rank([h.chunk.text for h in hits], q.evidence))
    mrr = sum(1 / r for r in ranks if r) / len(ranks) if ranks else 0.0
    return hit_at_k(ranks, 1), hit_at_k(ranks, 3), mrr


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--questions", type=Path, action="append", required=True)
    args = parser.parse_args()
    searcher = search_module.Searcher.open(args.index_dir)
    sets = {p.name: load_questions(p) for p in args.questions}
    original = search_module.linear_fuse
    table: dict[tuple[float, ...], dict[str, tuple[float, float, float]]] = {}
    in_use = tuple(search_module.FUSION_WEIGHTS)
    for weights in [in_use, *grid()]:
        search_module.linear_fuse = partial(original, weights=weights)  # type: ignore[assignment]
        table[weights] = {name: scores(searcher, qs) for name, qs in sets.items()}
        cells = "  ".join(
            f"{name}: hit@1 {h1:.2f} hit@3 {h3:.2f} MRR {m:.3f}" for name, (h1, h3, m) in table[weights].items()
        )
        print(f"{weights!s:20} {cells}", flush=True)
    search_module.linear_fuse = original  # type: ignore[assignment]
    for name in sets:
        best = max(table, key=lambda w: (table[w][name][2], table[w][name][1]))
        others = "  ".join(f"{o}: MRR {table[best][o][2]:.3f} (in use {table[in_use][o][2]:.3f})" for o in sets)
        print(f"best on {name}: {best}  ->  {others}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

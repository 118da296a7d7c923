"""Where the time of `ask` goes: cProfile over the question set, summed per pipeline stage."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable, Sequence
from typing import Any

# stage -> (file suffix, function name); cumulative time, so nested stages overlap their parents
STAGES: tuple[tuple[str, str, str], ...] = (
    ("ask (total)", "assistant/pipeline.py", "answer_question"),
    ("search (total, hybrid + sentence re-rank)", "index/search.py", "search"),
    ("embed the query", "index/embed.py", "encode_queries"),
    ("FAISS dense candidates", "index/search.py", "_dense_candidates"),
    ("BM25 candidates", "index/search.py", "_bm25_candidates"),
    ("fusion (z-scored linear)", "index/search.py", "linear_fuse"),
    ("sentence scores", "index/search.py", "_sentence_scores"),
    ("re-rank", "index/search.py", "_rerank"),
    ("refusal decision", "assistant/refusal.py", "should_refuse"),
    ("answer composition (extractive)", "assistant/compose.py", "extractive_answer"),
)


def profile_ask(ask: Callable[[str], Any], questions: Sequence[str]) -> list[dict[str, Any]]:
    """Milliseconds per question spent in each stage, and its share of the total ask time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for q in questions:
        ask(q)
    profiler.disable()
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    cumulative: dict[str, float] = {}
    for label, suffix, name in STAGES:
        # max, not sum: a same-named wrapper (SharedEmbedder.encode_queries around the model's own)
        # already includes the inner call in its cumulative time
        cumulative[label] = max(
            (v[3] for (path, _, func), v in stats.items() if func == name and path.replace("\\", "/").endswith(suffix)),
            default=0.0,
        )
    total = cumulative[STAGES[0][0]] or float("nan")
    n = max(len(questions), 1)
    return [
        {
            "stage": label,
            "ms_per_question": round(cumulative[label] * 1000 / n, 3),
            "share": round(cumulative[label] / total, 3),
        }
        for label, _, _ in STAGES
    ]

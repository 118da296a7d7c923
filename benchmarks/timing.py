"""Small timing helpers shared by the benchmark sections."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np


def percentile(values_ms: Sequence[float], p: float) -> float:
    return float(np.percentile(np.asarray(values_ms, dtype=np.float64), p)) if values_ms else float("nan")


def time_calls(fn: Callable[[str], Any], items: Iterable[str], rounds: int) -> list[float]:
    """Milliseconds of each call of `fn` over `items`, repeated `rounds` times (caller warms up first)."""
    items = list(items)
    out: list[float] = []
    for _ in range(rounds):
        for item in items:
            start = time.perf_counter()
            fn(item)
            out.append((time.perf_counter() - start) * 1000.0)
    return out


def latency_summary(values_ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values_ms),
        "p50_ms": round(percentile(values_ms, 50), 3),
        "p95_ms": round(percentile(values_ms, 95), 3),
        "mean_ms": round(float(np.mean(values_ms)), 3),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result

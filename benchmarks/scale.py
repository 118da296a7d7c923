"""Synthetic scale test of the FAISS index our code picks by size (index.store.make_faiss_index).

Vectors are random unit vectors (384 dims, float32) drawn around random cluster centres; queries are
stored vectors plus noise, so each has true near neighbours as real queries do.
"""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import numpy as np

from benchmarks.timing import latency_summary

DIM = 384
K = 10


def _unit(rows: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


def synthetic_vectors(n: int, dim: int = DIM, cluster_size: int = 50, seed: int = 0) -> np.ndarray:
    """Unit rows around random centres (~`cluster_size` per centre, cosine ~0.5 within a cluster).

    Uniform random vectors have no neighbours worth the name (every pair has cosine ~0), which makes
    recall@10 meaningless; clusters give the local structure real embeddings have.
    Generated in blocks so peak memory stays near the result's size.
    """
    rng = np.random.default_rng(seed)
    centres = _unit(rng.standard_normal((max(1, n // cluster_size), dim), dtype=np.float32))
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        size = min(100_000, n - start)
        noise = rng.standard_normal((size, dim), dtype=np.float32) / np.sqrt(dim)
        out[start : start + size] = _unit(centres[rng.integers(0, len(centres), size)] + noise)
    return out


def noisy_queries(vectors: np.ndarray, n_queries: int, noise: float = 0.3, seed: int = 1) -> np.ndarray:
    """Stored vectors moved by a random offset of length ~`noise`: queries with true neighbours."""
    rng = np.random.default_rng(seed)
    rows = vectors[rng.choice(len(vectors), n_queries, replace=False)]
    return _unit(rows + noise / np.sqrt(vectors.shape[1]) * rng.standard_normal(rows.shape, dtype=np.float32))


def index_bytes(index: Any) -> int:
    import faiss

    return int(faiss.serialize_index(index).nbytes)


def search_each(index: Any, queries: np.ndarray, k: int = K) -> tuple[list[float], np.ndarray]:
    """Per-query latency (ms, one query per call as the app searches) and the ids found."""
    times: list[float] = []
    ids = np.empty((len(queries), k), dtype=np.int64)
    for i in range(len(queries)):
        start = time.perf_counter()
        _, found = index.search(queries[i : i + 1], k)
        times.append((time.perf_counter() - start) * 1000.0)
        ids[i] = found[0]
    return times, ids


def recall_at_k(found: np.ndarray, exact: np.ndarray) -> float:
    k = exact.shape[1]
    return float(np.mean([len(set(f) & set(e)) / k for f, e in zip(found, exact, strict=True)]))


def nearest_found(found: np.ndarray, exact: np.ndarray) -> float:
    """Fraction of queries whose exact nearest neighbour is among the approximate top k."""
    return float(np.mean([e[0] in set(f) for f, e in zip(found, exact, strict=True)]))


def bench_size(n: int, *, hnsw_m: int, ef_construction: int, n_queries: int = 200) -> list[dict[str, Any]]:
    """Exact (flat) baseline, then whatever make_faiss_index picks for n vectors, with recall@10."""
    import importlib

    import faiss

    from index.store import make_faiss_index

    # patch the constants where the function reads them, wherever the index engineer keeps it
    store = importlib.import_module(make_faiss_index.__module__)
    vectors = synthetic_vectors(n)
    queries = noisy_queries(vectors, n_queries)
    start = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(vectors)
    flat_build = time.perf_counter() - start
    flat_times, exact = search_each(flat, queries)
    rows = [
        {
            "n": n,
            "kind": "flat (exact)",
            "chosen": n < store.HNSW_THRESHOLD,
            "build_s": round(flat_build, 3),
            "bytes": index_bytes(flat),
            "search": latency_summary(flat_times),
            "recall_at_10": 1.0,
            "nearest_found": 1.0,
        }
    ]
    del flat
    if n >= store.HNSW_THRESHOLD:
        # the index engineer's function, with build parameters that fit the time budget on 2 cores
        with (
            mock.patch.object(store, "HNSW_M", hnsw_m),
            mock.patch.object(store, "HNSW_EF_CONSTRUCTION", ef_construction),
        ):
            start = time.perf_counter()
            approx = store.make_faiss_index(vectors)
            build = time.perf_counter() - start
        times, found = search_each(approx, queries)
        rows.append(
            {
                "n": n,
                "kind": f"hnsw (M={hnsw_m}, efConstruction={ef_construction}, efSearch={approx.hnsw.efSearch})",
                "chosen": True,
                "build_s": round(build, 3),
                "bytes": index_bytes(approx),
                "search": latency_summary(times),
                "recall_at_10": round(recall_at_k(found, exact), 4),
                "nearest_found": round(nearest_found(found, exact), 4),
            }
        )
    return rows

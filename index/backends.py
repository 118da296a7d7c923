"""The two search structures of a generation: a FAISS index of chunk vectors and a BM25 index.

Only this module imports faiss and bm25s (lazily: importing `index` stays cheap for the CLI).
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import numpy as np

from ingest.document import Chunk

# Below this many vectors an exact flat index is both fast enough (< 10 ms a query) and exact;
# above it HNSW keeps queries fast at a small, tested loss of recall.
HNSW_THRESHOLD = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 128


def make_faiss_index(vectors: np.ndarray, hnsw_threshold: int = HNSW_THRESHOLD) -> Any:
    """Exact inner product for small indexes, HNSW (inner product) from `hnsw_threshold` vectors on.

    Row i of `vectors` gets FAISS id i; chunks.jsonl keeps the same order, so no id map is needed.
    """
    import faiss

    n, dim = vectors.shape
    index: Any
    if n >= hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_faiss(path: Path, index: Any) -> None:
    import faiss

    try:
        faiss.write_index(index, str(path))
    except RuntimeError as exc:  # faiss reports I/O failures (disk full) as RuntimeError
        raise OSError(errno.EIO, f"FAISS could not write: {str(exc).splitlines()[0]}", str(path)) from exc


def bm25_tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased words, English stopwords removed, Snowball-stemmed: the same for chunks and queries."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)
    return [list(t) for t in tokens]


def write_bm25(path: Path, chunks: list[Chunk]) -> None:
    import bm25s

    if not chunks:
        return  # an empty corpus has no BM25 index; search returns nothing
    retriever = bm25s.BM25()
    retriever.index(bm25_tokenize([bm25_text(c) for c in chunks]), show_progress=False)
    retriever.save(str(path), show_progress=False)


def bm25_text(chunk: Chunk) -> str:
    """What BM25 sees of a chunk: its heading helps queries that name a section; acronyms spelled out."""
    if chunk.heading and not chunk.context.startswith(chunk.heading):  # a table's caption once
        return f"{chunk.heading}\n{chunk.passage_text()}"
    return chunk.passage_text()


def read_faiss(path: Path, kind: str) -> Any:
    """Load a FAISS file; raises RuntimeError (from faiss) when it is truncated or corrupt."""
    import faiss

    index = faiss.read_index(str(path))
    if kind == "hnsw":
        hnsw: Any = faiss.downcast_index(index)
        hnsw.hnsw.efSearch = HNSW_EF_SEARCH  # search-time setting: not trusted from the file
    return index


def read_bm25(path: Path) -> Any:
    """Load a bm25s index saved by `write_bm25` (JSON and .npy files, never pickle)."""
    import bm25s

    return bm25s.BM25.load(str(path), mmap=False, allow_pickle=False, show_progress=False)

"""The two search structures of a generation: a FAISS index of chunk vectors and a BM25 index.

Only this module imports faiss and bm25s (lazily: importing `index` stays cheap for the CLI). bm25s
builds and saves the BM25 index; a query reads it back with numpy alone (`BM25Index`), because
importing bm25s imports SciPy, which is most of a cold `ask`'s start-up.
"""

from __future__ import annotations

import errno
import functools
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
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


# bm25s's default token pattern: words of two or more word characters
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS_FILE = "stopwords.json"  # beside bm25s's files: the list the index was tokenised with
# bm25s's saved files (its `save` names them so)
_VOCAB, _PARAMS = "vocab.index.json", "params.index.json"
_DATA, _INDICES, _INDPTR = "data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy"


def english_stopwords() -> frozenset[str]:
    """bm25s's English stopword list (NLTK's), which the index is built with."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@functools.cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def bm25_tokenize(texts: Sequence[str], stopwords: Collection[str] | None = None) -> list[list[str]]:
    """Lower-cased words, stopwords removed, Snowball-stemmed: the same for chunks and queries, and the
    same as `bm25s.tokenize(..., stopwords="en", stemmer=...)` (tested), without importing bm25s when
    `stopwords` (English by default) is given."""
    stop = english_stopwords() if stopwords is None else stopwords
    stem = _stemmer().stemWords
    return [stem([w for w in _TOKEN.findall(text.lower()) if w not in stop]) for text in texts]


def write_bm25(path: Path, chunks: list[Chunk]) -> None:
    import bm25s

    if not chunks:
        return  # an empty corpus has no BM25 index; search returns nothing
    stopwords = english_stopwords()
    retriever = bm25s.BM25()
    retriever.index(bm25_tokenize([bm25_text(c) for c in chunks], stopwords), show_progress=False)
    retriever.save(str(path), show_progress=False)
    (path / STOPWORDS_FILE).write_text(json.dumps(sorted(stopwords)), encoding="utf-8")


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


@dataclass(frozen=True, slots=True)
class BM25Index:
    """A BM25 index as bm25s saves it: every (chunk, term) score precomputed, one sparse column per term."""

    vocab: dict[str, int]
    data: np.ndarray  # scores, column by column
    indices: np.ndarray  # the chunk row of each score
    indptr: np.ndarray  # column t is data[indptr[t]:indptr[t + 1]]
    num_docs: int
    stopwords: frozenset[str]

    def tokenize(self, text: str) -> list[str]:
        """`text`'s terms as the index was tokenised."""
        return bm25_tokenize([text], self.stopwords)[0]

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """The BM25 score of every chunk for `terms` (a repeated term counts again, as in bm25s)."""
        out = np.zeros(self.num_docs, dtype=np.float32)
        for term in terms:
            column = self.vocab.get(term)
            if column is None or column + 1 >= len(self.indptr):
                continue  # bm25s keeps an empty term in its vocabulary without a column
            start, end = self.indptr[column], self.indptr[column + 1]
            out[self.indices[start:end]] += self.data[start:end]  # a chunk occurs once per column
        return out


def read_bm25(path: Path) -> BM25Index:
    """Load the BM25 index `write_bm25` saved (JSON and .npy files, never pickle); ValueError or
    KeyError when its files do not fit together."""
    vocab = json.loads((path / _VOCAB).read_text(encoding="utf-8"))
    num_docs = int(json.loads((path / _PARAMS).read_text(encoding="utf-8"))["num_docs"])
    data, indices, indptr = (np.load(path / name, allow_pickle=False) for name in (_DATA, _INDICES, _INDPTR))
    if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
        raise ValueError("the BM25 vocabulary is not a term -> column map")
    if data.ndim != 1 or indices.shape != data.shape or indptr.ndim != 1 or len(indptr) > len(vocab) + 1:
        raise ValueError("the BM25 score arrays do not fit together")
    if len(indptr) and (indptr[0] != 0 or indptr[-1] != len(data) or np.any(np.diff(indptr) < 0)):
        raise ValueError("the BM25 column pointers are out of order")
    if len(indices) and (indices.min() < 0 or indices.max() >= num_docs):
        raise ValueError("the BM25 scores name chunks the index does not hold")
    stopwords_file = path / STOPWORDS_FILE
    stopwords = (
        frozenset(json.loads(stopwords_file.read_text(encoding="utf-8")))
        if stopwords_file.exists()
        else english_stopwords()  # an index built before the list was saved beside it
    )
    return BM25Index(vocab, data.astype(np.float32, copy=False), indices, indptr, num_docs, stopwords)

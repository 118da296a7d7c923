"""Passage vectors by text hash, kept beside the generations: no text is embedded twice by one model.

A chunk and a sentence are embedded from their text alone, so a vector can be reused wherever the same
text comes back: a sentence shared by two overlapping chunks, an unchanged paragraph of an edited
document, every text after `--rebuild` or a chunker change. Keys are the first 16 bytes of
sha256(model name, text); the cache lives in `<index_dir>/embedding-cache/` as two plain `.npy` files
(keys as rows of 16 bytes, float32 vectors), one folder per model, replaced atomically after each build and read
back only if both files agree. A damaged or missing cache is an empty one: it only ever saves work.

It keeps the texts of the live generation plus as many older ones again (most recent first), so that
editing a document back and forth costs nothing and the cache never outgrows twice the index.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

CACHE_DIR = "embedding-cache"
KEYS = "keys.npy"
VECTORS = "vectors.npy"
KEY_BYTES = 16


def text_key(model: str, text: str) -> bytes:
    """The cache key of `text` embedded as a passage by `model`."""
    return hashlib.sha256(f"{model}\0{text}".encode()).digest()[:KEY_BYTES]


def _folder(index_dir: Path, model: str) -> Path:
    return index_dir / CACHE_DIR / hashlib.sha256(model.encode()).hexdigest()[:16]


class VectorCache:
    """key -> vector for one model; `put` adds, `save` writes the cache for the next build."""

    def __init__(self, model: str, dim: int | None) -> None:
        self.model = model
        self.dim = dim
        self._rows: dict[bytes, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._rows)

    @classmethod
    def load(cls, index_dir: Path, model: str) -> VectorCache:
        """The cache saved by the last build with `model` (empty when there is none or it is damaged)."""
        cache = cls(model, None)
        folder = _folder(index_dir, model)
        try:
            keys = np.load(folder / KEYS, allow_pickle=False)
            vectors = np.load(folder / VECTORS, allow_pickle=False)
        except FileNotFoundError:
            return cache
        except (OSError, ValueError, EOFError) as exc:
            log.warning("ignoring the embedding cache at %s: %s", folder, exc)
            return cache
        if (
            keys.dtype != np.uint8
            or vectors.dtype != np.float32
            or vectors.ndim != 2
            or keys.shape != (vectors.shape[0], KEY_BYTES)
        ):
            log.warning("ignoring the embedding cache at %s: its files do not match", folder)
            return cache
        cache.dim = int(vectors.shape[1])
        cache._rows = {key.tobytes(): vector for key, vector in zip(keys, vectors, strict=True)}
        return cache

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        if len(texts) and self.dim is None:
            self.dim = int(vectors.shape[1])
        for text, vector in zip(texts, vectors, strict=True):
            self._rows[text_key(self.model, text)] = vector

    def lookup(self, texts: Sequence[str]) -> tuple[dict[str, np.ndarray], list[str]]:
        """(text -> vector for the cached ones, the distinct texts still to embed in first-seen order)."""
        found: dict[str, np.ndarray] = {}
        missing: dict[str, None] = {}
        for text in texts:
            if text in found or text in missing:
                continue
            vector = self._rows.get(text_key(self.model, text))
            if vector is not None and vector.shape == (self.dim,):
                found[text] = vector
            else:
                missing[text] = None
        return found, list(missing)

    def save(self, index_dir: Path, live: Iterable[str]) -> None:
        """Write the vectors of the `live` texts first, then older ones up to as many again; best effort."""
        if self.dim is None:
            return
        keep = list(dict.fromkeys(text_key(self.model, t) for t in live))
        keep = [k for k in keep if k in self._rows]
        wanted = set(keep)
        older = [k for k in reversed(list(self._rows)) if k not in wanted][: len(keep)]
        keys = keep + older
        folder = _folder(index_dir, self.model)
        tmp = folder.with_name(folder.name + ".tmp")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            vectors = np.stack([self._rows[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)
            raw = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)
            np.save(tmp / KEYS, raw, allow_pickle=False)
            np.save(tmp / VECTORS, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
            old = folder.with_name(folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            with contextlib.suppress(FileNotFoundError):
                os.rename(folder, old)
            os.rename(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # the index itself is written: a cache that cannot be saved costs time only
            log.warning("could not save the embedding cache at %s: %s", folder, exc)
            shutil.rmtree(tmp, ignore_errors=True)

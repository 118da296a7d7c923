"""Vectors of a caller's fixed passages (the refusal check's background), stored with a generation.

Answering compares a question with a bundled background of off-topic sentences; embedding them in
every process was most of a cold `mhqa ask`. `update_index` embeds them once (through the embedding
cache, so once per model) and writes them beside the index's own vectors, with the sha256 of their
text: a reader uses them only when its background is the same text, and embeds its own otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

VECTORS = "background.npy"
META = "background.json"


def texts_sha256(texts: Sequence[str]) -> str:
    """The hash a stored background is matched by (the texts in order, one per line)."""
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()


def write_background(folder: Path, texts: Sequence[str], vectors: np.ndarray) -> None:
    """Write the background's vectors and hash into a generation being built (`folder`)."""
    with open(folder / VECTORS, "wb") as fh:
        np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    (folder / META).write_text(json.dumps({"sha256": texts_sha256(texts), "count": len(texts)}), encoding="utf-8")


def read_background(folder: Path, texts: Sequence[str], dim: int) -> np.ndarray | None:
    """The stored vectors of exactly `texts` (memory-mapped), or None when absent, stale or damaged."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.get("sha256") != texts_sha256(texts):
            return None
        vectors = np.load(folder / VECTORS, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("ignoring the stored background in %s: %s", folder, exc)
        return None
    if vectors.dtype != np.float32 or vectors.shape != (len(texts), dim):
        log.warning("ignoring the stored background in %s: shape %s", folder, vectors.shape)
        return None
    return vectors

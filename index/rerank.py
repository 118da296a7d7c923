"""Re-ranking of fused candidates: a local cross-encoder when configured, else sentence-level scores.

No packaged cross-encoder with a licence loads offline, so the default re-rank uses what the index already
holds: the best sentence's cosine catches a passage whose one sentence answers the query even when
the rest of the chunk dilutes the chunk vector.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import RerankerError

log = logging.getLogger(__name__)

# Weights of the sentence-level re-rank: cosines in [-1, 1] plus the first-stage score as a prior,
# z-normalised over the candidates so that a fused score, a cosine or a raw BM25 score weigh the same.
# The prior is small: a 0.1 cosine gap in the best sentence outweighs one standard deviation of it.
SENTENCE_WEIGHT = 0.6
CHUNK_WEIGHT = 0.4
PRIOR_WEIGHT = 0.05


def sentence_rerank(
    fused: Sequence[tuple[int, float]],
    chunk_cosine: Mapping[int, float],
    best_sentence_cosine: Mapping[int, float],
) -> list[tuple[int, float]]:
    """Re-score first-stage (row, score) candidates by best sentence and chunk cosine; best first.

    A chunk without sentences counts its chunk cosine as its best sentence.
    """
    prior = zscores([score for _, score in fused])
    scored = []
    for (row, _), z in zip(fused, prior, strict=True):
        chunk = chunk_cosine[row]
        best = best_sentence_cosine.get(row, chunk)
        scored.append((row, SENTENCE_WEIGHT * best + CHUNK_WEIGHT * chunk + PRIOR_WEIGHT * float(z)))
    return sorted(scored, key=lambda item: (-item[1], item[0]))


def zscores(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """`values` centred on their mean and divided by their standard deviation (all 0 when constant)."""
    array = np.asarray(values, dtype=np.float64)
    std = float(array.std()) if array.size else 0.0
    if std == 0.0:
        return np.zeros_like(array)
    return (array - array.mean()) / std


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder from a local folder (never downloaded)."""

    def __init__(self, folder: str) -> None:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise RerankerError(
                f"reranker {folder!r} is not a local folder: cross-encoders are never downloaded; point "
                "MHQA_RERANKER to a local sentence-transformers CrossEncoder folder or unset it"
            )
        try:
            from sentence_transformers import CrossEncoder

            self._model: Any = CrossEncoder(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # many error kinds, all meaning "cannot load"
            raise RerankerError(f"{path}: cannot load a cross-encoder: {exc}") from exc
        self.name = str(path.resolve())

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        """Relevance of each text to the query (higher is better)."""
        if not texts:
            return []
        scores = self._model.predict([(query, t) for t in texts], show_progress_bar=False)
        return [float(s) for s in scores]

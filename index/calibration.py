"""How close off-topic text comes to the indexed sentences: the refusal check's baseline, measured when
the index is built and recorded in its manifest.

A question's best cosine to the indexed sentences grows with the size and breadth of the corpus, for
off-topic questions as much as for answerable ones: constants fitted on two short texts then answer
off-topic questions once a 150-page book is added. The refusal check's background sentences (off-topic
by construction, embedded at build time anyway) are scored against the indexed body sentences: the mean
of their best cosines is this index's chance level, and the refusal features are measured from it
(assistant/refusal.py), so that the fitted constants do not depend on the corpus they were fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

_BATCH = 4096  # sentence rows per matrix product: bounds the memory of a large index


@dataclass(frozen=True, slots=True)
class Calibration:
    """The index's chance level, and what it was measured from (recorded for inspection)."""

    null_cosine: float  # mean, over the background sentences, of the best cosine to an indexed sentence
    null_spread: float  # their standard deviation
    n_background: int  # background sentences measured
    n_sentences: int  # indexed body sentences they were compared with


def best_cosines(queries: np.ndarray, sentences: np.ndarray) -> np.ndarray:
    """Per row of `queries`, the highest dot product (cosine: vectors are unit length) with `sentences`."""
    best = np.full(len(queries), -1.0, dtype=np.float32)
    for start in range(0, len(sentences), _BATCH):
        block = np.asarray(sentences[start : start + _BATCH], dtype=np.float32)
        best = np.maximum(best, (np.asarray(queries, dtype=np.float32) @ block.T).max(axis=1))
    return best


def calibrate(background: np.ndarray | None, sentences: np.ndarray) -> Calibration | None:
    """The chance level of `sentences` (the index's body sentence vectors) for the background's vectors;
    None when either is empty."""
    if background is None or not len(background) or not len(sentences):
        return None
    best = best_cosines(background, sentences)
    return Calibration(
        null_cosine=round(float(best.mean()), 4),
        null_spread=round(float(best.std()), 4),
        n_background=len(background),
        n_sentences=len(sentences),
    )


def calibration_to_json(c: Calibration | None) -> dict[str, float | int] | None:
    return None if c is None else {f.name: getattr(c, f.name) for f in fields(c)}


def calibration_from_json(data: object) -> Calibration | None:
    if not isinstance(data, dict):
        return None
    return Calibration(
        null_cosine=float(data["null_cosine"]),
        null_spread=float(data["null_spread"]),
        n_background=int(data["n_background"]),
        n_sentences=int(data["n_sentences"]),
    )

"""What a search returns: a chunk, why it ranked, and the sentence that best matches the query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.document import Chunk


@dataclass(frozen=True, slots=True)
class Hit:
    chunk: Chunk
    score: float  # the final ranking score (fused score, or the re-rank score when re-ranked)
    dense_rank: int | None  # 1-based rank among dense candidates, None when not a candidate there
    bm25_rank: int | None  # 1-based rank among BM25 candidates, None when not a candidate there
    dense_score: float | None  # cosine similarity to the query
    best_sentence: tuple[int, int]  # span within chunk.text of the sentence closest to the query
    # cosine similarity of each of chunk.sentences to the query (same order), from sentence vectors
    # stored at index time: lets answering pick sentences without embedding anything again
    sentence_scores: tuple[float, ...] = ()

    @property
    def best_sentence_text(self) -> str:
        start, end = self.best_sentence
        return self.chunk.text[start:end]


def hit_to_json(hit: Hit) -> dict[str, Any]:
    """The one JSON form of a hit: `mhqa search --json`, the related passages of `ask --json`, the app's API."""
    chunk = hit.chunk
    start, end = hit.best_sentence
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "pages": list(chunk.pages),
        "page_labels": list(chunk.page_labels),
        "score": round(hit.score, 6),
        "text": chunk.text,
        "best_sentence": {"start": start, "end": end},
    }

"""What a search returns: a chunk, why it ranked, and the sentence that best matches the query."""

from __future__ import annotations

from dataclasses import dataclass

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

"""Real Chunk/Hit/Document objects built from text, for answering tests that need no index or model."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.hit import Hit
from ingest.document import Chunk, Document, DocumentMeta, Page


def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans, pos = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+", text):
        spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return tuple(spans)


def make_document(doc_id: str, pages: Sequence[str], title: str = "", labels: Sequence[str] = ()) -> Document:
    """A document whose pages are `pages` joined by one newline; labels default to "1", "2"..."""
    text, spans, pos = "", [], 0
    for i, page in enumerate(pages):
        sep = "\n" if i else ""
        text += sep + page
        start = pos + len(sep)
        spans.append(Page(number=i + 1, label=labels[i] if labels else str(i + 1), start=start, end=start + len(page)))
        pos = start + len(page)
    return Document(
        doc_id=doc_id,
        path=f"{doc_id}.txt",
        sha256="0" * 64,
        meta=DocumentMeta(title=title or doc_id.title()),
        text=text,
        pages=tuple(spans),
    )


def make_chunk(doc: Document, start: int, end: int, n: int = 0) -> Chunk:
    pages = [p for p in doc.pages if p.start < end and p.end > start]
    return Chunk(
        chunk_id=f"{doc.doc_id}-{n}",
        doc_id=doc.doc_id,
        title=doc.title,
        heading="",
        text=doc.text[start:end],
        start=start,
        end=end,
        page_start=pages[0].number,
        page_end=pages[-1].number,
        page_labels=tuple(p.label for p in pages),
        sentences=sentence_spans(doc.text[start:end]),
        page_breaks=tuple(p.start - start for p in pages[1:]),
    )


def make_hit(
    chunk: Chunk, scores: Sequence[float], *, dense_rank: int | None = 1, bm25_rank: int | None = 1, score: float = 0.03
) -> Hit:
    """A hit whose sentence cosines are `scores` (one per sentence of the chunk)."""
    assert len(scores) == len(chunk.sentences), (len(scores), chunk.sentences)
    best = chunk.sentences[max(range(len(scores)), key=lambda i: scores[i])]
    return Hit(
        chunk=chunk,
        score=score,
        dense_rank=dense_rank,
        bm25_rank=bm25_rank,
        dense_score=max(scores),
        best_sentence=best,
        sentence_scores=tuple(scores),
    )


def text_hit(
    text: str,
    best: tuple[int, int],
    *,
    chunk_id: str = "c1",
    doc_id: str = "d1",
    title: str = "A title",
    labels: tuple[str, ...] = ("4",),
    score: float = 0.5,
) -> Hit:
    """A hit on a one-chunk document of `text` printed on pages `labels` (from physical page 4)."""
    chunk = Chunk(
        chunk_id=chunk_id,
        doc_id=doc_id,
        title=title,
        heading="Intro",
        text=text,
        start=0,
        end=len(text),
        page_start=4,
        page_end=4 + len(labels) - 1,
        page_labels=labels,
    )
    return Hit(chunk=chunk, score=score, dense_rank=1, bm25_rank=1, dense_score=score, best_sentence=best)


class ListSearcher:
    """Returns fixed hits and records the queries it was asked: isolates answering from retrieval."""

    def __init__(self, hits: Sequence[Hit], documents: Sequence[Document] = ()) -> None:
        self.hits = list(hits)
        self.docs = list(documents)
        self.queries: list[str] = []

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        doc_ids: Sequence[str] | None = None,
        mode: str = "hybrid",
        rerank: bool = False,
    ) -> list[Hit]:
        self.queries.append(query)
        return [h for h in self.hits if not doc_ids or h.chunk.doc_id in doc_ids][:k]

    model = "minilm"
    embedder = None  # no model: the refusal's background contrast is neutral

    def documents(self) -> list[Document]:
        return self.docs

    def knows(self, word: str) -> bool:
        return True

    def generic_terms(self) -> frozenset[str]:
        return frozenset()

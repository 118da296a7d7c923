"""The quote check: every citation's quote must occur verbatim in its chunk and on its cited pages.

An answer is only as trustworthy as its citations, so nothing leaves `assistant` without this check:
`check_citation` raises on a bad citation; `enforce_citations` drops bad ones (and their markers) from
an answer and says so in the notice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from assistant.answer_types import Answer, Citation
from ingest.document import Chunk, Document
from ingest.errors import AnswerError

log = logging.getLogger(__name__)


def quote_pages(
    chunk: Chunk, start: int, end: int, document: Document | None
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Physical pages and printed labels of `chunk.text[start:end]`.

    The chunk's own page breaks place the quote. A chunk from an index built before they were recorded
    needs the document's page spans; without the document we cite every page of the chunk (never too few).
    """
    if chunk.page_start == chunk.page_end or chunk.page_breaks or document is None:
        return chunk.pages_of(start, end)
    a, b = chunk.start + start, chunk.start + end
    pages = [p for p in document.pages if p.start < b and p.end > a]
    if not pages:  # spans disagree with the chunk (should not happen): fall back to the chunk's pages
        return chunk.pages, chunk.page_labels
    return tuple(p.number for p in pages), tuple(p.label for p in pages)


def on_cited_pages(quote: str, chunk: Chunk, pages: Sequence[int]) -> bool:
    """True when some occurrence of `quote` in the chunk lies on `pages` (by the chunk's page breaks)."""
    at = chunk.text.find(quote)
    while at >= 0:
        if set(chunk.pages_of(at, at + len(quote))[0]) <= set(pages):
            return True
        at = chunk.text.find(quote, at + 1)
    return False


def check_citation(citation: Citation, chunk: Chunk, document: Document | None = None) -> None:
    """Raise AnswerError unless `citation.quote` lies verbatim in `chunk` and on the cited pages."""
    where = f"citation [{citation.n}] ({citation.doc_id}, chunk {citation.chunk_id})"
    if not citation.quote.strip():
        raise AnswerError(f"{where}: empty quote")
    if citation.chunk_id != chunk.chunk_id or citation.doc_id != chunk.doc_id:
        raise AnswerError(f"{where}: checked against another chunk ({chunk.chunk_id})")
    if citation.quote not in chunk.text:
        raise AnswerError(f"{where}: quote is not verbatim in the chunk")
    if not citation.pages or not set(citation.pages) <= set(chunk.pages):
        raise AnswerError(f"{where}: pages {citation.pages} are not the chunk's pages {chunk.pages}")
    if len(citation.page_labels) != len(citation.pages):
        raise AnswerError(f"{where}: {len(citation.page_labels)} page labels for {len(citation.pages)} pages")
    if chunk.page_breaks and not on_cited_pages(citation.quote, chunk, citation.pages):
        raise AnswerError(f"{where}: quote is not on the cited pages {citation.page_labels}")
    if document is None:
        return
    by_number = {p.number: p for p in document.pages}
    cited = [by_number[n] for n in citation.pages if n in by_number]
    if len(cited) != len(citation.pages):
        raise AnswerError(f"{where}: pages {citation.pages} are not all pages of {document.doc_id}")
    first = min(cited, key=lambda p: p.number)
    last = max(cited, key=lambda p: p.number)
    if citation.quote not in document.text[first.start : last.end]:
        raise AnswerError(f"{where}: quote is not on the cited pages {citation.page_labels}")
    labels = tuple(p.label for p in cited)
    if labels != citation.page_labels:
        raise AnswerError(f"{where}: page labels {citation.page_labels} should be {labels}")


def enforce_citations(
    answer: Answer, chunks: Sequence[Chunk], documents: Mapping[str, Document] | None = None
) -> Answer:
    """Drop every citation that fails `check_citation`, remove its [n] marker, and say so in the notice."""
    by_id = {c.chunk_id: c for c in chunks}
    documents = documents or {}
    kept: list[Citation] = []
    dropped: list[int] = []
    for citation in answer.citations:
        chunk = by_id.get(citation.chunk_id)
        try:
            if chunk is None:
                raise AnswerError(f"citation [{citation.n}]: chunk {citation.chunk_id} was not retrieved")
            check_citation(citation, chunk, documents.get(citation.doc_id))
        except AnswerError as exc:
            log.warning("dropping citation: %s", exc)
            dropped.append(citation.n)
        else:
            kept.append(citation)
    if not dropped:
        return answer
    text = answer.text
    for n in dropped:
        text = re.sub(rf"\s*\[{n}\]", "", text)
    notice = "; ".join(
        x for x in (answer.notice, f"{len(dropped)} citation(s) failed the quote check and were removed") if x
    )
    return replace(answer, text=text, citations=tuple(kept), notice=notice)

"""Citations and the quote check: every citation's quote must occur verbatim in its chunk and on its pages.

An answer is only as trustworthy as its citations, so nothing leaves `assistant` without this check:
`check_citation` raises on a bad citation; `enforce_citations` drops bad ones (and their markers) from
an answer and says so in the notice. Pages come from the chunk alone: every chunk records where each of
its pages begins (`Chunk.page_breaks`), so a quote is placed on its own page without the document.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.answer_types import Answer, Citation
from assistant.errors import AnswerError
from index.hit import Hit
from ingest.document import Chunk

log = logging.getLogger(__name__)


def cite(n: int, hit: Hit, start: int, end: int) -> Citation:
    """A citation of `hit.chunk.text[start:end]`, on the page(s) that quote lies on."""
    chunk = hit.chunk
    pages, labels = chunk.pages_of(start, end)
    return Citation(
        n=n,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        pages=pages,
        page_labels=labels,
        quote=chunk.text[start:end],
    )


def on_cited_pages(quote: str, chunk: Chunk, pages: Sequence[int]) -> bool:
    """True when some occurrence of `quote` in the chunk lies on `pages` (by the chunk's page breaks)."""
    at = chunk.text.find(quote)
    while at >= 0:
        if set(chunk.pages_of(at, at + len(quote))[0]) <= set(pages):
            return True
        at = chunk.text.find(quote, at + 1)
    return False


def check_citation(citation: Citation, chunk: Chunk) -> None:
    """Raise AnswerError unless `citation.quote` lies verbatim in `chunk`, on the cited pages and labels."""
    where = f"citation [{citation.n}] ({citation.doc_id}, chunk {citation.chunk_id})"
    if not citation.quote.strip():
        raise AnswerError(f"{where}: empty quote")
    if citation.chunk_id != chunk.chunk_id or citation.doc_id != chunk.doc_id:
        raise AnswerError(f"{where}: checked against another chunk ({chunk.chunk_id})")
    if citation.quote not in chunk.text:
        raise AnswerError(f"{where}: quote is not verbatim in the chunk")
    if not citation.pages or not set(citation.pages) <= set(chunk.pages):
        raise AnswerError(f"{where}: pages {citation.pages} are not the chunk's pages {chunk.pages}")
    labels = tuple(chunk.page_labels[p - chunk.page_start] for p in citation.pages)
    if labels != citation.page_labels:
        raise AnswerError(f"{where}: page labels {citation.page_labels} should be {labels}")
    if not on_cited_pages(citation.quote, chunk, citation.pages):
        raise AnswerError(f"{where}: quote is not on the cited pages {citation.page_labels}")


def enforce_citations(answer: Answer, chunks: Sequence[Chunk]) -> Answer:
    """Drop every citation that fails `check_citation`, remove its [n] marker, and say so in the notice."""
    by_id = {c.chunk_id: c for c in chunks}
    kept: list[Citation] = []
    dropped: list[int] = []
    for citation in answer.citations:
        chunk = by_id.get(citation.chunk_id)
        try:
            if chunk is None:
                raise AnswerError(f"citation [{citation.n}]: chunk {citation.chunk_id} was not retrieved")
            check_citation(citation, chunk)
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

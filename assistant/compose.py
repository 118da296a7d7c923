"""Compose the extractive answer: the retrieved sentences that answer the question, cited.

Offline and model-free beyond the search: every sentence of at least SENTENCE_POOL passages is scored
(its cosine, precomputed at index time, plus a bonus for the question's specific words, minus a penalty
for headings); the reader (`assistant.reading`) keeps the sentences that answer, best first, and the
answer quotes them, each followed by its [n] marker; a quotation keeps its speaker. When none answers,
the answer is a refusal with the reader's reason. Every citation passes the quote check of
`assistant.citations` before it leaves this module.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from assistant.answer_types import Answer
from assistant.citations import cite, enforce_citations
from assistant.reading import READ_MARGIN, Reading, read
from assistant.text import (
    content_stems,
    is_english,
    is_heading,
    quote_end,
    sentence_spans,
    stems,
    trim_span,
    words,
)
from index.hit import Hit
from ingest.sections import is_reference_entry

REFUSAL_TEXT = "The indexed documents do not answer this."

MAX_SENTENCES = 3  # a short answer: the best sentence and at most two that nearly match it

SENTENCE_MARGIN = 0.25  # keep further sentences only within this much of the best sentence's score

LEXICAL_WEIGHT = 0.1  # weight of the question's specific words found in a sentence, next to cosine

MIN_WORDS = 4  # shorter "sentences" are headings or page residue, never an answer

RANK_PENALTY = 0.02  # per rank below the top hit: ties go to the passage retrieval ranked higher

IDF_POWER = 2.0  # rare question words (the "chair" in a question about the group) dominate the bonus

HEADING_PENALTY = 0.1  # a title or list lead-in repeats the question's words but answers nothing

SENTENCE_POOL = 10  # passages whose sentences may answer: more than the k shown, sentences are scored anyway


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence of a retrieved chunk that could go into the answer."""

    rank: int  # 0-based rank of its hit
    hit: Hit
    start: int  # span within hit.chunk.text, trimmed of whitespace and bullets
    end: int
    score: float

    @property
    def quote(self) -> str:
        return self.hit.chunk.text[self.start : self.end]


def candidate_sentences(question: str, hits: Sequence[Hit], generic: Collection[str] = frozenset()) -> list[Candidate]:
    """Score every sentence of the hits: its cosine to the question plus a bonus for specific words.

    A word's bonus is weighted by its rarity among the retrieved sentences (inverse sentence frequency):
    in "Who chairs the Technical Advisory Group?" every passage says "Technical Advisory Group", so the
    sentence that also says "Chair" must win. Headings are penalised: they echo the question's words
    without answering it.
    """
    terms = set(content_stems(question, generic))
    spans_of: list[list[tuple[int, int, float | None, set[str], bool]]] = []
    df: dict[str, int] = dict.fromkeys(terms, 0)
    for hit in hits:
        spans = sentence_spans(hit.chunk)
        scores = hit.sentence_scores if len(hit.sentence_scores) == len(spans) else ()
        rows = []
        for i, (s, e) in enumerate(spans):
            start, end = trim_span(hit.chunk.text, s, quote_end(hit.chunk.text, spans, i))
            text = hit.chunk.text[start:end]
            if len(text.split()) < MIN_WORDS or is_reference_entry(text):  # an entry cut off its reference list
                continue
            if scores:
                cosine: float | None = scores[i]
            elif (s, e) == hit.best_sentence:  # no sentence scores: only the best sentence is scored
                cosine = hit.dense_score or 0.0
            else:
                cosine = None
            found = terms & set(stems(words(hit.chunk.search_text(start, end))))
            for t in found:
                df[t] += 1
            rows.append((start, end, cosine, found, is_heading(text)))
        spans_of.append(rows)
    n = sum(len(rows) for rows in spans_of)
    weight = {t: math.log(1.0 + n / (1.0 + df[t])) ** IDF_POWER for t in terms}
    total = sum(weight.values())
    out: list[Candidate] = []
    for rank, (hit, rows) in enumerate(zip(hits, spans_of, strict=True)):
        for start, end, cosine, found, heading in rows:
            if cosine is None:
                continue
            overlap = sum(weight[t] for t in found) / total if total else 0.0
            score = cosine + LEXICAL_WEIGHT * overlap - RANK_PENALTY * rank - HEADING_PENALTY * heading
            out.append(Candidate(rank=rank, hit=hit, start=start, end=end, score=score))
    return out


def _same_sentence(a: str, b: str) -> bool:
    """Near-duplicates (overlapping chunks repeat sentences; documents repeat themselves)."""
    wa, wb = set(words(a)), set(words(b))
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.8


def select_sentences(candidates: Sequence[Candidate], max_sentences: int = MAX_SENTENCES) -> list[Candidate]:
    """The best candidate and up to `max_sentences - 1` close runners-up, without near-duplicates,
    ordered as in the documents (documents in the order of their best sentence)."""
    chosen: list[Candidate] = []
    best = None
    for c in sorted(candidates, key=lambda c: -c.score):
        if best is None:
            best = c.score
        elif c.score < best - SENTENCE_MARGIN:
            break
        if any(_same_sentence(c.quote, o.quote) for o in chosen):
            continue
        chosen.append(c)
        if len(chosen) == max_sentences:
            break
    doc_order = {c.hit.chunk.doc_id: i for i, c in reversed(list(enumerate(chosen)))}
    return sorted(chosen, key=lambda c: (doc_order[c.hit.chunk.doc_id], c.hit.chunk.start + c.start))


def refusal(question: str, hits: Sequence[Hit], notice: str = "", reason: str = "") -> Answer:
    """The plain refusal, with the closest passages as related reading (`reason`: why, in words; a
    notice that says why is the reason too)."""
    return Answer(
        question=question,
        text=REFUSAL_TEXT,
        refused=True,
        citations=(),
        related=tuple(hits),
        notice=notice,
        reason=reason or notice,
    )


def read_hits(
    question: str, hits: Sequence[Hit], query: str | None = None, generic: Collection[str] = frozenset()
) -> Reading:
    """The reader's verdict on the candidate sentences of `hits` (`assistant.reading`).

    Sentences are scored against the retrieval query (a follow-up carries its topic), the question's own
    words are what the reader analyses.
    """
    own = content_stems(question, generic) if is_english(question) else []
    return read(question, candidate_sentences(query or question, hits, generic), own, READ_MARGIN)


def kept_hits(hits: Sequence[Hit], reading: Reading) -> list[Hit]:
    """The hits the reader's chosen sentences come from, in retrieval order (what a generator is shown)."""
    kept = {c.hit.chunk.chunk_id for c in reading.chosen}
    return [h for h in hits if h.chunk.chunk_id in kept]


def extractive_answer(
    question: str,
    hits: Sequence[Hit],
    query: str | None = None,
    *,
    read_question: bool = True,
    generic: Collection[str] = frozenset(),
) -> Answer:
    """Compose the cited answer from the sentences the reader keeps, best first, or refuse with the
    reader's reason (the refusal rule before it is the caller's job). `read_question=False` answers with
    the best-scored sentence whatever the reader says: evaluation's answers with every refusal check off.
    `generic` are the index's generic terms (`Retriever.generic_terms`), which earn a sentence no bonus."""
    reading = read_hits(question, hits, query, generic) if read_question else Reading(())
    if read_question and not reading.chosen:
        return refusal(question, hits, reason=reading.reason)
    chosen: Sequence[Candidate] = (
        reading.chosen if read_question else select_sentences(candidate_sentences(query or question, hits, generic), 1)
    )
    if not chosen:
        return refusal(question, hits)
    citations = tuple(cite(n, c.hit, c.start, c.end) for n, c in enumerate(chosen, start=1))
    text = " ".join(f"{' '.join(c.quote.split())} [{c.n}]" for c in citations)
    answer = Answer(
        question=question, text=text, refused=False, citations=citations, related=tuple(hits), partial=reading.partial
    )
    return enforce_citations(answer, [h.chunk for h in hits])

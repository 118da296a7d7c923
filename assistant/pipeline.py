"""Answer a question from the index: an extractive, cited answer, or a plain refusal.

Offline and model-free beyond the search: the answer is the few retrieved sentences that best match
the question (their cosine, precomputed at index time, plus a bonus for the question's specific words,
minus a penalty for headings), chosen among at least SENTENCE_POOL passages, de-duplicated and kept in
document order, each followed by its [n] marker; a quotation keeps its speaker. Every citation passes the
quote check of `assistant.verify` before it leaves this module. When the passages do not answer
(`assistant.refusal`), the answer says so and lists the closest passages as related.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from assistant.answer_types import Answer, Citation
from assistant.refusal import (
    RefusalModel,
    background_cosine,
    content_stems,
    refusal_model_for,
    ruled_out,
    should_refuse,
    stems,
    words,
)
from assistant.settings import Settings
from assistant.verify import enforce_citations, quote_pages
from index.hit import Hit
from index.search import read_query_rows
from ingest.document import Chunk, Document, DocumentMeta
from ingest.errors import AnswerError
from ingest.sentences import WORD, split_sentences

log = logging.getLogger(__name__)

REFUSAL_TEXT = "The indexed documents do not answer this."
GENERATORS = ("extractive", "openai")

MAX_SENTENCES = 3  # a short answer: the best sentence and at most two that nearly match it
SENTENCE_MARGIN = 0.25  # keep further sentences only within this much of the best sentence's score
LEXICAL_WEIGHT = 0.1  # weight of the question's specific words found in a sentence, next to cosine
MIN_WORDS = 4  # shorter "sentences" are headings or page residue, never an answer
RANK_PENALTY = 0.02  # per rank below the top hit: ties go to the passage retrieval ranked higher
IDF_POWER = 2.0  # rare question words (the "chair" in a question about the group) dominate the bonus
HEADING_PENALTY = 0.1  # a title or list lead-in repeats the question's words but answers nothing
SENTENCE_POOL = 10  # passages whose sentences may answer: more than the k shown, sentences are scored anyway

# A follow-up ("and who chairs it?") refers back through a pronoun, a leading conjunction, or brevity.
_ANAPHORA = frozenset(
    re.findall(
        r"\S+",
        "it its they them their theirs that this those these he she him her his there "
        "il elle ils elles lui leur leurs cela ça celui celle ello ella ellos ellas eso esto su sus",
    )
)
_FOLLOW_UP_START = re.compile(r"^\s*(and|also|what about|how about|et|y|e)\b", re.IGNORECASE)
_BULLET = "•·-–*▪◦ \t\r\n"


class SearcherLike(Protocol):
    """What answering needs from `index.search.Searcher` (kept narrow so tests can pass their own)."""

    def search(
        self, query: str, k: int = 5, *, doc_ids: Sequence[str] | None = None,
        mode: Literal["hybrid", "dense", "bm25"] = "hybrid",
        rerank: bool = False,
    ) -> list[Hit]: ...


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


def is_follow_up(question: str) -> bool:
    """True when `question` leans on the previous turn: a pronoun, "and ...", or one content word."""
    tokens = words(question)
    return (
        any(t in _ANAPHORA for t in tokens)
        or bool(_FOLLOW_UP_START.match(question))
        or len(content_stems(question)) <= 1
    )


def resolve_query(question: str, history: Sequence[str] = ()) -> str:
    """The retrieval query for `question` given earlier questions (oldest first).

    A follow-up gets the previous turn's specific words appended ("and who chairs it?" + "Technical
    Advisory Group"), resolved recursively so a chain of follow-ups keeps its topic.
    """
    question = question.strip()
    if not history or not is_follow_up(question):
        return question
    previous = resolve_query(history[-1], history[:-1])
    own = set(content_stems(question))
    carried = [w for w in _content_words(previous) if stems([w.lower()])[0] not in own]
    return f"{question} {' '.join(carried)}".strip()


def _content_words(text: str) -> list[str]:
    """Words of `text` (original spelling) whose stem is a specific content stem, in order, unique."""
    wanted = set(content_stems(text))
    out: dict[str, None] = {}
    for token in WORD.findall(text):
        if stems([token.lower()])[0] in wanted:
            out.setdefault(token, None)
    return list(out)


def sentence_spans(chunk: Chunk) -> tuple[tuple[int, int], ...]:
    """The chunk's sentence spans (from the chunker), or the chunker's own split when it recorded none."""
    return chunk.sentences or tuple(split_sentences(chunk.text))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past surrounding whitespace and list bullets, so the quote starts at a word."""
    while start < end and text[start] in _BULLET:
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def is_heading(text: str) -> bool:
    """A title or a list's lead-in ("The main objectives are:"): no sentence-ending punctuation."""
    return not text.rstrip("\"'”’)").endswith((".", "!", "?", ";"))


def quote_end(text: str, spans: Sequence[tuple[int, int]], i: int) -> int:
    """End of sentence `i`, extended over the next sentences (at most 2) that close a quotation it opens.

    The sentence splitter cuts inside quotations, which leaves the speaker ("... said Georgia Paxton")
    in a later sentence: a quoted claim is cited with whoever made it.
    """
    end = spans[i][1]
    for j in range(i + 1, min(i + 3, len(spans))):
        piece = text[spans[i][0] : end]
        if piece.count("“") <= piece.count("”"):
            break
        end = spans[j][1]
    return end


def candidate_sentences(question: str, hits: Sequence[Hit]) -> list[Candidate]:
    """Score every sentence of the hits: its cosine to the question plus a bonus for specific words.

    A word's bonus is weighted by its rarity among the retrieved sentences (inverse sentence frequency):
    in "Who chairs the Technical Advisory Group?" every passage says "Technical Advisory Group", so the
    sentence that also says "Chair" must win. Headings are penalised: they echo the question's words
    without answering it.
    """
    terms = set(content_stems(question))
    spans_of: list[list[tuple[int, int, float | None, set[str], bool]]] = []
    df: dict[str, int] = dict.fromkeys(terms, 0)
    for hit in hits:
        spans = sentence_spans(hit.chunk)
        scores = hit.sentence_scores if len(hit.sentence_scores) == len(spans) else ()
        rows = []
        for i, (s, e) in enumerate(spans):
            start, end = _trim(hit.chunk.text, s, quote_end(hit.chunk.text, spans, i))
            text = hit.chunk.text[start:end]
            if len(text.split()) < MIN_WORDS:
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


def _listed_documents(searcher: Any) -> list[Any]:
    get = getattr(searcher, "documents", None)
    if get is None:
        return []
    docs = get()
    return list(docs.values()) if isinstance(docs, Mapping) else list(docs)


def documents_of(searcher: Any) -> dict[str, Document]:
    """The searcher's full documents (with page spans) by id, used to place quotes on pages.

    A searcher that lists only document summaries gives {}: quotes of a chunk that crosses a page
    break then cite every page of the chunk.
    """
    return {d.doc_id: d for d in _listed_documents(searcher) if isinstance(d, Document)}


def metadata_of(searcher: Any) -> dict[str, DocumentMeta]:
    """Bibliographic data of every indexed document by id (for exports), {} when the searcher has none."""
    return {d.doc_id: d.meta for d in _listed_documents(searcher) if isinstance(getattr(d, "meta", None),
                                                                                 DocumentMeta)}


def cite(n: int, hit: Hit, start: int, end: int, documents: Mapping[str, Document]) -> Citation:
    """A citation of `hit.chunk.text[start:end]`, on the page(s) that quote lies on."""
    chunk = hit.chunk
    pages, labels = quote_pages(chunk, start, end, documents.get(chunk.doc_id))
    return Citation(
        n=n, chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, title=chunk.title, pages=pages,
        page_labels=labels, quote=chunk.text[start:end],
    )


def refusal(question: str, hits: Sequence[Hit], notice: str = "") -> Answer:
    """The plain refusal, with the closest passages as related reading."""
    return Answer(question=question, text=REFUSAL_TEXT, refused=True, citations=(), related=tuple(hits),
                  notice=notice)


def extractive_answer(
    question: str, hits: Sequence[Hit], documents: Mapping[str, Document], query: str | None = None
) -> Answer:
    """Compose the cited answer from `hits` (refusal gating is the caller's job)."""
    chosen = select_sentences(candidate_sentences(query or question, hits))
    if not chosen:
        return refusal(question, hits)
    citations = tuple(cite(n, c.hit, c.start, c.end, documents) for n, c in enumerate(chosen, start=1))
    text = " ".join(f"{' '.join(c.quote.split())} [{c.n}]" for c in citations)
    answer = Answer(question=question, text=text, refused=False, citations=citations, related=tuple(hits))
    return enforce_citations(answer, [h.chunk for h in hits], documents)


def retrieve(
    searcher: SearcherLike, query: str, *, k: int, doc_ids: Sequence[str] | None = None
) -> list[Hit]:
    """Hybrid search with sentence-level re-ranking: the passages an answer may draw on.

    At least SENTENCE_POOL passages are fetched, however small `k`: the answer's sentences are chosen
    among all of them (their cosines come precomputed with the hits), while only the first `k` are shown.
    """
    return list(searcher.search(query, k=max(k, SENTENCE_POOL), doc_ids=list(doc_ids) if doc_ids else None,
                                mode="hybrid", rerank=True))


def shown_hits(hits: Sequence[Hit], k: int, citations: Sequence[Citation] = ()) -> tuple[Hit, ...]:
    """The first `k` hits, plus any later hit a citation quotes (so every cited passage is listed)."""
    cited = {c.chunk_id for c in citations}
    return tuple(hits[:k]) + tuple(h for h in hits[k:] if h.chunk.chunk_id in cited)


def refusal_model_of(searcher: Any) -> RefusalModel:
    """The refusal constants fitted for the embedding model `searcher` was built with."""
    return refusal_model_for(getattr(searcher, "model", None))


def background_of(searcher: Any, query: str) -> float | None:
    """`background_cosine` of `query` with the searcher's embedder; None for one without an embedder."""
    embedder = getattr(searcher, "embedder", None)  # already loaded by the search that came before
    return None if embedder is None else background_cosine(embedder, query)


def check_request(question: str, k: int, generator: str) -> str:
    """The stripped question, or AnswerError for an empty question, k < 1 or an unknown generator."""
    question = question.strip()
    if not question:
        raise AnswerError("the question is empty")
    if k < 1:
        raise AnswerError(f"k must be at least 1, not {k}")
    if generator not in GENERATORS:
        raise AnswerError(f"unknown generator {generator!r}: use one of {', '.join(GENERATORS)}")
    return question


def retrieve_or_refuse(
    searcher: SearcherLike,
    question: str,
    history: Sequence[str],
    k: int,
    doc_ids: Sequence[str] | None,
    generator: str,
) -> tuple[str, str, list[Hit], Answer | None]:
    """The first half of every answer: the checked question, the retrieval query (follow-ups resolved
    against `history`), the passages, and the refusal when those passages do not answer (else None)."""
    question = check_request(question, k, generator)
    query = resolve_query(question, history)
    hits = retrieve(searcher, query, k=k, doc_ids=doc_ids)
    if should_refuse(query, hits, refusal_model_of(searcher), background_of(searcher, query)):
        return question, query, hits, refusal(question, hits[:k])
    reason = ruled_out(query, hits, getattr(searcher, "knows", None))
    if reason:
        return question, query, hits, refusal(question, hits[:k], notice=reason)
    return question, query, hits, None


def answer_question(
    searcher: SearcherLike,
    question: str,
    *,
    history: Sequence[str] = (),
    k: int = 5,
    doc_ids: Sequence[str] | None = None,
    generator: str = "extractive",
    settings: Settings | None = None,
    refuse: bool = True,
) -> Answer:
    """Answer `question` from the index (extractive by default), or refuse when the documents do not.

    `history` holds the previous questions of the conversation, oldest first: a follow-up question is
    resolved against them before retrieval. `generator="openai"` asks the configured OpenAI-compatible
    endpoint and falls back to the extractive answer (with a notice) when it fails. `refuse=False`
    answers even when the passages look silent: evaluation measures the choice of sentences that way.
    """
    question, query, hits, refused = retrieve_or_refuse(searcher, question, history, k, doc_ids, generator)
    if refused is not None and refuse:
        return refused
    documents = documents_of(searcher)
    if generator == "openai":
        from assistant.generate import generate_answer  # imported late: the extractive path never needs it

        return generate_answer(question, hits[:k], documents, settings=settings, query=query)
    answer = extractive_answer(question, hits, documents, query=query)
    return replace(answer, related=shown_hits(hits, k, answer.citations))


@dataclass(frozen=True, slots=True)
class BatchQuestion:
    id: Any
    q: str
    history: tuple[str, ...] = ()


def read_batch(path: Path) -> list[BatchQuestion]:
    """Questions of a JSONL file, one {"id": ..., "q": ..., "history": [...]?} a line (blank lines skipped).

    Every line is checked before any question is answered, so a typo fails fast and names its line.
    """
    out = []
    for number, row in read_query_rows(path, AnswerError):
        history = row.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise AnswerError(f'{path}:{number}: "history" must be a list of strings')
        out.append(BatchQuestion(id=row.get("id", number), q=row["q"], history=tuple(history)))
    return out

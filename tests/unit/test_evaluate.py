"""The evaluation metrics on hand-made data, and the question-set reader on hand-written files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from evaluation.evaluate import (
    EvalError,
    EvalReport,
    Question,
    answerable_here,
    contains_evidence,
    evaluate_answers,
    evaluate_search,
    first_hit_rank,
    format_report,
    hit_at_k,
    key_facts_present,
    load_questions,
    mean_reciprocal_rank,
    reciprocal_rank,
    score_answers,
    score_ranks,
)


def _q(id_: str, lang: str = "en", evidence: str = "the red fox") -> Question:
    return Question(
        id=id_,
        q=f"question {id_}",
        lang=lang,
        answerable=True,
        doc_id="d",
        evidence=evidence,
        key_facts=("fox",),
    )


def _off(id_: str) -> Question:
    return Question(id=id_, q=f"off {id_}", lang="en", answerable=False)


def test_evidence_matches_across_line_breaks_and_case() -> None:
    assert contains_evidence("It was The  red\n fox that ran.", "the red fox")


def test_evidence_does_not_match_a_different_phrase() -> None:
    assert not contains_evidence("the red dog and a fox", "the red fox")


def test_empty_evidence_never_matches() -> None:
    assert not contains_evidence("anything", "   ")


def test_first_hit_rank_is_one_based_and_takes_the_first_match() -> None:
    texts = ["nothing here", "the red fox", "again the red fox"]
    assert first_hit_rank(texts, "red fox") == 2
    assert first_hit_rank(texts, "blue whale") is None


def test_hit_at_k_counts_ranks_within_k_and_misses_as_zero() -> None:
    ranks = [1, 2, 3, None]
    assert hit_at_k(ranks, 1) == 0.25
    assert hit_at_k(ranks, 3) == 0.75
    assert hit_at_k([], 3) == 0.0


def test_mrr_averages_reciprocal_ranks_with_zero_for_misses() -> None:
    assert reciprocal_rank(4) == 0.25
    assert reciprocal_rank(None) == 0.0
    assert mean_reciprocal_rank([1, 2, None, 4]) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert mean_reciprocal_rank([]) == 0.0


def test_key_facts_must_all_be_present_ignoring_case_and_whitespace() -> None:
    answer = "The TAG is chaired by Munir\nMerali and has 16 experts."
    assert key_facts_present(answer, ["munir merali", "16"])
    assert not key_facts_present(answer, ["Munir Merali", "six regions"])


def test_score_ranks_reports_overall_and_per_language_rows() -> None:
    questions = [_q("a", "en"), _q("b", "en"), _q("c", "fr")]
    rows = score_ranks("hybrid", "m", questions, [1, None, 2])
    by_lang = {r.lang: r for r in rows}
    assert set(by_lang) == {"all", "en", "fr"}
    assert by_lang["all"].n == 3 and by_lang["all"].hit_at_1 == pytest.approx(1 / 3)
    assert by_lang["en"].hit_at_3 == 0.5 and by_lang["en"].misses_at_3 == ("b",)
    assert by_lang["fr"].hit_at_1 == 0.0 and by_lang["fr"].mrr == 0.5


def test_evaluate_search_ranks_the_texts_a_search_function_returns() -> None:
    corpus = {"question a": ["x", "the red fox"], "question b": ["the red fox"]}
    rows = evaluate_search(lambda query: corpus[query], [_q("a"), _q("b"), _off("z")], "fake", "m")
    overall = rows[0]
    assert overall.n == 2  # off-topic questions are not scored for retrieval
    assert overall.hit_at_1 == 0.5 and overall.mrr == 0.75


def test_score_answers_counts_refusals_false_refusals_and_key_facts() -> None:
    questions = [_q("good"), _q("missing-fact"), _q("refused"), _off("off-refused"), _off("off-answered")]
    answers = [
        ("A red fox [1].", False),
        ("A dog [1].", False),
        ("I cannot answer.", True),
        ("I cannot answer.", True),
        ("Paris [1].", False),
    ]
    scores = score_answers(questions, answers)
    assert scores.n_answerable == 3 and scores.n_off_topic == 2
    assert scores.key_fact_rate == pytest.approx(1 / 3)
    assert scores.false_refusal_rate == pytest.approx(1 / 3)
    assert scores.refusal_rate == 0.5
    assert scores.failures == ("missing-fact", "refused", "off-answered")


def test_false_refusals_are_named_and_the_refusal_off_rate_scores_the_unrefused_texts() -> None:
    questions = [_q("refused-right"), _q("refused-wrong"), _q("answered"), _off("off")]
    answers = [("I cannot answer.", True), ("I cannot answer.", True), ("A fox [1].", False), ("No.", True)]
    unrefused = {"refused-right": "The fox [1].", "refused-wrong": "A dog [1].", "answered": "A fox [1]."}
    scores = score_answers(questions, answers, unrefused)
    assert scores.false_refusals == ("refused-right", "refused-wrong")
    assert scores.key_fact_rate == pytest.approx(1 / 3)
    assert scores.unrefused_key_fact_rate == pytest.approx(2 / 3)
    text = format_report(EvalReport("q.jsonl", "minilm", (), scores))
    assert "| 0.33 (3) | 0.67 (3) | 1.00 (1) | 0.67 (3) |" in text
    assert "refused though answerable: refused-right, refused-wrong" in text
    assert score_answers(questions, answers).unrefused_key_fact_rate is None


def test_a_refused_answer_never_counts_as_correct_even_if_it_quotes_the_fact() -> None:
    scores = score_answers([_q("a")], [("No answer, but related: the fox", True)])
    assert scores.key_fact_rate == 0.0


@dataclass(frozen=True)
class _FakeAnswer:
    text: str
    refused: bool
    citations: tuple[object, ...] = ()


def test_evaluate_answers_asks_every_question_through_the_answer_function() -> None:
    asked: list[str] = []

    def answer_fn(searcher: object, question: str, history: tuple[str, ...] = (), k: int = 5) -> _FakeAnswer:
        asked.append(question)
        return _FakeAnswer("a fox", refused=question.startswith("off"))

    scores = evaluate_answers(object(), [_q("a"), _off("b")], answer_fn=answer_fn)  # type: ignore[arg-type]
    assert asked == ["question a", "off b"]
    assert scores.key_fact_rate == 1.0 and scores.refusal_rate == 1.0


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_load_questions_reads_answerable_and_off_topic_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "q.jsonl",
        [
            {
                "id": "a",
                "q": "Who?",
                "lang": "fr",
                "answerable": True,
                "doc_id": "d",
                "evidence": "e f g",
                "key_facts": ["g"],
            },
            {"id": "b", "q": "Cake?", "lang": "en", "answerable": False},
        ],
    )
    questions = load_questions(path)
    assert [q.id for q in questions] == ["a", "b"]
    assert questions[0].key_facts == ("g",) and questions[0].lang == "fr"
    assert not questions[1].answerable


@pytest.mark.parametrize(
    "row",
    [
        {"id": "a", "q": "Who?", "answerable": True},  # answerable without evidence
        {"id": "a", "q": "Who?", "answerable": "yes"},
        {
            "id": "a",
            "q": "Who?",
            "answerable": True,
            "doc_id": "d",
            "evidence": "e",
            "key_facts": ["e"],
            "answered_by": "d",
        },
        {"q": "no id", "answerable": False},
        ["not", "an", "object"],
    ],
)
def test_load_questions_names_the_file_and_line_of_a_bad_row(tmp_path: Path, row: object) -> None:
    path = _write(tmp_path / "q.jsonl", [{"id": "ok", "q": "Fine?", "answerable": False}, row])
    with pytest.raises(EvalError, match=r"q\.jsonl:2: "):
        load_questions(path)


def test_load_questions_rejects_duplicate_ids_and_missing_files(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.jsonl", [{"id": "x", "q": "a", "answerable": False}] * 2)
    with pytest.raises(EvalError, match="duplicate question id 'x'"):
        load_questions(path)
    with pytest.raises(EvalError, match="cannot read"):
        load_questions(tmp_path / "absent.jsonl")


def test_report_prints_markdown_tables_and_json_numbers() -> None:
    rows = score_ranks("hybrid", "minilm", [_q("a"), _q("b", "es")], [1, None])
    report = EvalReport("q.jsonl", "minilm", rows, score_answers([_q("a")], [("fox", False)]))
    text = format_report(report)
    assert "| minilm | hybrid | all | 2 | 0.50 | 0.50 | 0.500 |" in text
    assert "| 1.00 (1) | 0.00 (1) |" in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["retrieval"][0]["hit_at_1"] == 0.5 and data["answers"]["key_fact_rate"] == 1.0


def test_comparison_with_a_model_that_cannot_load_is_skipped_with_a_note(tmp_path: Path) -> None:
    from assistant.settings import Settings
    from evaluation.evaluate import compare_model

    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    rows, notes = compare_model(settings, [_q("a")], str(tmp_path / "no-such-model"))
    assert rows == ()
    assert len(notes) == 1 and "no-such-model" in notes[0] and "skipped" in notes[0]
    report = EvalReport("q.jsonl", "minilm", (), None, rows, notes)
    assert "Note: comparison with" in format_report(report)


def test_an_off_topic_question_another_indexed_document_answers_is_left_out_with_a_note(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "q.jsonl",
        [
            {"id": "dose", "q": "Max dose?", "answerable": False, "answered_by": "guide"},
            {"id": "cup", "q": "Who won?", "answerable": False},
        ],
    )
    questions = load_questions(path)
    assert questions[0].answered_by == "guide" and questions[1].answered_by == ""
    kept, notes = answerable_here(questions, {"brief", "guide"})
    assert [q.id for q in kept] == ["cup"]
    assert notes == ("dose left out: guide is indexed and answers it",)
    assert answerable_here(questions, {"brief"}) == (questions, ())  # the guide is not indexed: off-topic

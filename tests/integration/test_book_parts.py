"""Parts of a book in the index: searched only when asked for, never quoted by an answer; printed
pages in citations; document frequencies kept in the manifest."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.pipeline import answer_question
from index.build import update_index
from index.embed import Embedder
from index.search import Searcher
from ingest.errors import MhqaError
from tests.pdf_fixtures import write_unlabelled_book_pdf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def book_searcher(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Searcher:
    root = tmp_path_factory.mktemp("book")
    (root / "corpus").mkdir()
    write_unlabelled_book_pdf(root / "corpus" / "book.pdf")
    update_index(root / "corpus", root / "index", "minilm", embedder=embedder, progress=False)
    return Searcher.open(root / "index", embedder)


def test_the_contents_page_is_searched_only_on_request(book_searcher: Searcher) -> None:
    query = "Background Findings Treatment Looking ahead"
    assert all(h.chunk.section == "body" for h in book_searcher.search(query, k=10))
    asked = book_searcher.search(query, k=10, sections=["contents"])
    assert asked and all(h.chunk.section == "contents" for h in asked)
    with pytest.raises(MhqaError, match="unknown section 'toc'"):
        book_searcher.search(query, sections=["toc"])


def test_sentences_outside_the_body_carry_their_chunks_vector(book_searcher: Searcher) -> None:
    state = book_searcher._state
    offsets = state.sentence_offsets

    def rows(i: int) -> np.ndarray:
        return np.asarray(state.sentence_vectors[offsets[i] : offsets[i + 1]])

    outside = [i for i, c in enumerate(state.chunks) if c.section != "body" and c.sentences]
    assert outside and all(np.allclose(rows(i), state.vectors[i]) for i in outside)  # not embedded
    body = [i for i, c in enumerate(state.chunks) if c.section == "body" and c.sentences]
    assert body and all(not np.allclose(rows(i), state.vectors[i]) for i in body)  # embedded, each its own


def test_an_answer_cites_the_printed_page_of_a_book_without_page_labels(book_searcher: Searcher) -> None:
    answer = answer_question(book_searcher, "What dose does a child of 20 kg get?", k=3)
    assert not answer.refused
    dose = [c for c in answer.citations if "20 kg" in c.quote]
    assert dose and all(c.page_labels == ("3",) and c.pages == (8,) for c in dose)
    assert all(c.page_labels != ("i",) for c in answer.citations)  # never the contents page


def test_the_manifest_keeps_document_frequencies_and_generic_terms_follow_them(book_searcher: Searcher) -> None:
    state = book_searcher._state
    df = dict(state.manifest.term_df)
    assert df["panel"] == sum("panel" in c.text.lower() for c in state.chunks) >= 2
    assert book_searcher.generic_terms() == {t for t, n in df.items() if 2 * n >= len(state.chunks)}

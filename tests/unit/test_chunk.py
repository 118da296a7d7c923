"""Chunking: whole sentences, structure-aware cuts, word-piece budget, overlap, stable ids and spans."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from ingest.chunk import MAX_CHARS, MAX_WORD_PIECES, chunk_document
from ingest.document import Chunk, Document
from ingest.load import load_document
from ingest.sentences import count_word_pieces, split_sentences
from tests.conftest import CORPUS_DIR
from tests.pdf_fixtures import TABLE_CAPTION, TABLE_HEADER, TABLE_ROWS, write_unlabelled_book_pdf

BRIEFING = CORPUS_DIR / "who-europe-briefing-health-diplomacy-migration.txt"
TAG = CORPUS_DIR / "who-tag-health-migration-displacement-2025.txt"
LIMIT = 50_000_000


def _doc(tmp_path: Path, text: str, name: str = "doc.txt") -> Document:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_document(path, LIMIT)


def _assert_invariants(doc: Document, chunks: list[Chunk]) -> None:
    for c in chunks:
        assert c.text == doc.text[c.start : c.end]
        assert c.text == c.text.strip() and c.text
        assert c.sentences and c.sentences[0][0] == 0 and c.sentences[-1][1] == len(c.text)
        assert all(0 <= s < e <= len(c.text) for s, e in c.sentences)
        assert c.chunk_id == hashlib.sha256(f"{doc.sha256}:{c.start}:{c.end}".encode()).hexdigest()[:16]
        assert c.doc_id == doc.doc_id and c.title == doc.title
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(n <= MAX_WORD_PIECES for n in count_word_pieces([c.text for c in chunks]))


@pytest.mark.parametrize("path", [BRIEFING, TAG], ids=["briefing", "tag"])
def test_corpus_chunks_slice_back_to_the_cleaned_text_and_fit_the_model(path: Path) -> None:
    doc = load_document(path, LIMIT)
    chunks = chunk_document(doc)
    assert len(chunks) >= 5
    _assert_invariants(doc, chunks)


@pytest.mark.parametrize("path", [BRIEFING, TAG], ids=["briefing", "tag"])
def test_corpus_chunks_have_no_glued_numbers_broken_paragraphs_or_web_residue(path: Path) -> None:
    for c in chunk_document(load_document(path, LIMIT)):
        assert not re.search(r"\S\s+\d{1,2}\.\s+[A-Z]", c.text), c.text  # "... Goals. 2. The health"
        assert not re.search(r"\n\s*[a-z]", c.text), c.text  # a paragraph that should have been joined
        assert "Reading time" not in c.text
        assert "A photo of" not in c.text
        assert c.text.rstrip("”’\"')")[-1] in ".;:!?", c.text  # chunks end at a sentence end


def test_every_numbered_paragraph_of_the_briefing_starts_a_chunk_under_its_heading() -> None:
    chunks = chunk_document(load_document(BRIEFING, LIMIT))
    starts = {c.text[:2]: c.heading for c in chunks if c.text[:1].isdigit()}
    assert starts == {
        "1.": "Background",
        "2.": "Background",
        "3.": "Background",
        "4.": "Objectives of the briefing",
        "5.": "Format of the briefing",
        "6.": "Format of the briefing",
        "7.": "Expected outcomes",
    }


def test_headings_are_kept_out_of_chunk_text() -> None:
    for c in chunk_document(load_document(TAG, LIMIT)):
        for heading in ("Looking ahead", "Regional voices, global resolve"):
            assert heading not in c.text
    headings = {c.heading for c in chunk_document(load_document(TAG, LIMIT))}
    assert {"A shared vision for inclusive health systems", "Looking ahead"} <= headings


def test_long_section_is_cut_with_one_sentence_of_overlap(tmp_path: Path) -> None:
    sentences = [f"Sentence number {i} describes how migrant health services adapt to demand." for i in range(60)]
    doc = _doc(tmp_path, "Findings\n\n" + " ".join(sentences))
    chunks = chunk_document(doc)
    assert len(chunks) >= 3
    _assert_invariants(doc, chunks)
    for a, b in zip(chunks, chunks[1:], strict=False):
        last = a.text[a.sentences[-1][0] : a.sentences[-1][1]]
        first = b.text[b.sentences[0][0] : b.sentences[0][1]]
        assert last == first
        assert b.start < a.end  # the overlap is the same span of the document
    assert all(c.heading == "Findings" for c in chunks)
    # Most chunks use their budget: the target is ~150-200 word pieces.
    assert all(n >= 120 for n in count_word_pieces([c.text for c in chunks[:-1]]))


def test_no_overlap_across_numbered_paragraphs(tmp_path: Path) -> None:
    first = "1. The first paragraph says one thing about the health of migrants in Europe."
    second = "2. The second paragraph says another thing about the health of refugees in Africa."
    chunks = chunk_document(_doc(tmp_path, f"{first}\n\n{second}"))
    assert [c.text for c in chunks] == [first, second]


def test_a_fragment_joins_the_text_before_it_and_otherwise_the_text_after_it(tmp_path: Path) -> None:
    body = "Migrants in the region reported long waits for primary care and for dental services."
    later = "Refugees who arrived last year were offered screening for tuberculosis and hepatitis B."
    text = f"ANNEX I.\n\nBackground\n\n{body}\n\nResults\n\n[Epub ahead of print].\n\nLooking ahead\n\n{later}"
    doc = _doc(tmp_path, text)
    chunks = chunk_document(doc)
    _assert_invariants(doc, chunks)
    assert [c.text.split("\n")[0] for c in chunks] == ["ANNEX I.", later]
    assert chunks[0].text.endswith("[Epub ahead of print].")  # after `body`, with the heading between
    assert chunks[0].heading == "Background"  # the heading of the text the first fragment joined


def test_a_fragment_after_a_table_is_not_joined_to_its_rows(tmp_path: Path) -> None:
    intro = "Primaquine is given by body weight, and the dose for each weight band is shown below."
    rows = "\n".join(TABLE_ROWS)
    doc = _doc(tmp_path, f"{intro}\n{TABLE_CAPTION}\n{TABLE_HEADER}\n{rows}\n\nGive it with food.")
    chunks = chunk_document(doc)
    assert len(doc.tables) == 1
    assert chunks[-1].text == "Give it with food."  # nothing it may join: kept alone, not lost
    assert all("Give it with food." not in c.text for c in chunks[:-1])


def test_a_fragment_is_not_joined_across_a_page(tmp_path: Path) -> None:
    doc = load_document(write_unlabelled_book_pdf(tmp_path / "book.pdf"), LIMIT)
    chunks = chunk_document(doc)
    assert all(c.page_start == c.page_end for c in chunks)
    assert "Refugees often arrive with untreated chronic conditions." in [c.text for c in chunks]


def test_an_over_long_sentence_is_split_by_word_piece_budget(tmp_path: Path) -> None:
    text = " ".join(f"word{i % 7}" for i in range(3000)) + "."
    doc = _doc(tmp_path, text)
    chunks = chunk_document(doc)
    assert len(chunks) > 5
    _assert_invariants(doc, chunks)
    covered = set().union(*(range(c.start, c.end) for c in chunks))
    assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())


def test_a_giant_word_is_hard_split_by_characters(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "Start. " + "a" * 1_000_000 + " end.")
    chunks = chunk_document(doc)
    assert all(len(c.text) <= MAX_CHARS for c in chunks)
    covered = sum(c.end - c.start for c in chunks)
    assert covered >= 1_000_000
    _assert_invariants(doc, chunks)


def test_renamed_identical_file_keeps_its_chunk_ids(tmp_path: Path) -> None:
    text = BRIEFING.read_text(encoding="utf-8")
    first = chunk_document(_doc(tmp_path, text, "a.txt"))
    second = chunk_document(_doc(tmp_path, text, "renamed.txt"))
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert {c.doc_id for c in second} == {"renamed"}


def test_changed_file_changes_its_chunk_ids(tmp_path: Path) -> None:
    a = chunk_document(_doc(tmp_path, "One sentence here.", "a.txt"))
    b = chunk_document(_doc(tmp_path, "One sentence here!", "b.txt"))
    assert a[0].chunk_id != b[0].chunk_id


def test_sentence_spans_of_a_chunk_are_its_sentences(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "Dr Tedros spoke. The TAG met on 25 November 2025. It will report, e.g. to WHO.")
    (chunk,) = chunk_document(doc)
    assert list(chunk.sentences) == split_sentences(chunk.text)
    assert len(chunk.sentences) == 3

"""Printed page numbers read from the pages: folios, roman front matter, and when they win over labels."""

from __future__ import annotations

from pathlib import Path

from assistant.text import page_text
from ingest.chunk import chunk_document
from ingest.folios import choose_labels, printed_folios, roman_value, to_roman
from ingest.load import load_document
from tests.pdf_fixtures import (
    BOOK_RUNNING_TITLE,
    BOOK_SHEETS,
    REPORT_LABELS,
    write_report_pdf,
    write_unlabelled_book_pdf,
)

MB = 1 << 20


def test_roman_numerals_read_back_and_reject_non_canonical_forms() -> None:
    assert [roman_value(to_roman(n)) for n in range(1, 40)] == list(range(1, 40))
    assert roman_value("iiii") is None and roman_value("vx") is None and roman_value("mix") is None


def _page(folio: str, body: str = "Some text of the page that runs on.") -> str:
    return f"A running title\n{body}\nmore text\nand more\n{folio}"


def test_folios_follow_the_printed_numbers_not_the_sheets() -> None:
    pages = ["Cover", _page("i"), _page("ii"), _page("iii"), "", _page("1"), _page("2"), _page("3")]
    assert printed_folios(pages) == ["", "i", "ii", "iii", "", "1", "2", "3"]


def test_a_folio_beside_a_running_title_counts() -> None:
    pages = [f"{n} Guidelines on core components\nBody text here.\nMore body\nEnd" for n in range(10, 14)]
    assert printed_folios(pages) == ["10", "11", "12", "13"]


def test_stray_numbers_make_no_numbering() -> None:
    pages = ["Intro\ntext\n12", "Text\nmore\n2019", "Other\ntext\n7"]
    assert printed_folios(pages) is None


def test_page_labels_that_agree_with_the_folios_win_and_disagreeing_ones_lose() -> None:
    folios = ["", "1", "2", "3"]
    assert choose_labels(["A", "1", "2", "3"], folios, has_page_labels=True) == ["A", "1", "2", "3"]
    assert choose_labels(["1", "2", "3", "4"], folios, has_page_labels=True) == folios
    assert choose_labels(["1", "2", "3", "4"], folios, has_page_labels=False) == folios
    assert choose_labels(["1", "2"], None, has_page_labels=False) == ["1", "2"]


def test_a_pdf_without_page_labels_is_cited_by_its_printed_folios(tmp_path: Path) -> None:
    doc = load_document(write_unlabelled_book_pdf(tmp_path / "book.pdf"), 10 * MB)
    assert [p.label for p in doc.pages] == [folio for folio, _ in BOOK_SHEETS]
    dose = next(c for c in chunk_document(doc) if "20 kg" in c.text)
    assert page_text(dose.pages, dose.page_labels) == "p. 3 (PDF page 8)"
    assert all(BOOK_RUNNING_TITLE not in c.text for c in chunk_document(doc) if c.page_start > 1)


def test_a_sheet_without_a_printed_number_is_cited_by_its_place_in_the_pdf() -> None:
    assert page_text((1,), ("",)) == "PDF page 1"


def test_page_labels_of_a_pdf_that_has_them_are_kept(tmp_path: Path) -> None:
    doc = load_document(write_report_pdf(tmp_path / "report.pdf"), 10 * MB)
    assert tuple(p.label for p in doc.pages) == REPORT_LABELS

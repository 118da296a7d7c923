"""Loading real files: the PDF fixture (labels, headers, hyphens, ligature, page breaks), metadata,
HTML and Markdown, and every kind of bad input refused with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.chunk import chunk_document
from ingest.errors import IngestError
from ingest.load import SUPPORTED_SUFFIXES, load_document
from tests import pdf_fixtures
from tests.conftest import CORPUS_DIR

LIMIT = 10_000_000


@pytest.fixture
def report(tmp_path: Path) -> Path:
    if pdf_fixtures.unicode_font() is None:
        pytest.skip("no DejaVuSans.ttf on this machine for the ligature glyph")
    return pdf_fixtures.write_report_pdf(tmp_path / "test-report.pdf")


def test_pdf_cleaned_text_has_no_headers_page_numbers_hyphens_or_ligatures(report: Path) -> None:
    doc = load_document(report, LIMIT)
    assert pdf_fixtures.HEADER not in doc.text
    assert "\ufb01" not in doc.text
    assert "the first of its kind and its findings are of interest" in doc.text
    assert "sustained migration and health policies" in doc.text
    assert "Cross-border cooperation is needed, and cross-border data sharing helps." in doc.text
    assert "worked with civil society to protect" in doc.text
    for line in doc.text.split("\n"):
        assert line.strip() not in pdf_fixtures.REPORT_LABELS, "a bare page number survived"


def test_pdf_pages_keep_physical_numbers_and_printed_labels(report: Path) -> None:
    doc = load_document(report, LIMIT)
    assert [(p.number, p.label) for p in doc.pages] == [(1, "i"), (2, "ii"), (3, "1"), (4, "2"), (5, "3")]
    assert doc.text[doc.pages[0].start : doc.pages[0].end].startswith("Foreword")
    assert doc.text[doc.pages[4].start :].startswith("civil society")
    assert all(a.end == b.start for a, b in zip(doc.pages, doc.pages[1:], strict=False))


def test_pdf_chunks_carry_pages_labels_and_headings(report: Path) -> None:
    doc = load_document(report, LIMIT)
    chunks = chunk_document(doc)
    got = [(c.heading, c.page_start, c.page_end, c.page_labels, c.text.split()[0]) for c in chunks]
    assert got == [
        ("Foreword", 1, 1, ("i",), "This"),
        ("Acknowledgements", 2, 2, ("ii",), "The"),
        ("Background", 3, 3, ("1",), "1."),
        ("Findings", 4, 5, ("2", "3"), "2."),  # the paragraph across the page break cites both pages
        ("Looking ahead", 5, 5, ("3",), "3."),
    ]
    for c in chunks:
        assert c.text == doc.text[c.start : c.end]


def test_a_chunk_across_a_page_break_places_each_sentence_on_its_own_page(report: Path) -> None:
    findings = next(c for c in chunk_document(load_document(report, LIMIT)) if c.heading == "Findings")
    (brk,) = findings.page_breaks
    assert findings.text[brk:].lstrip().startswith("civil society")
    first = findings.text.index("2. Countries reported progress in several areas.")
    assert findings.pages_of(first, first + 20) == ((4,), ("2",))
    crossing = findings.text.index("The strongest results")
    assert findings.pages_of(crossing, len(findings.text)) == ((4, 5), ("2", "3"))
    assert findings.pages_of(brk + 1, len(findings.text)) == ((5,), ("3",))


def test_pdf_metadata_falls_back_to_the_file_name(report: Path) -> None:
    assert load_document(report, LIMIT).meta.title == "Test report"


def test_sidecar_metadata_wins(report: Path) -> None:
    sidecar = report.with_name(report.name + ".meta.json")
    sidecar.write_text(
        json.dumps(
            {
                "title": "Health diplomacy",
                "publisher": "WHO",
                "date": "2019",
                "kind": "book",
                "url": "https://example.org/x",
            }
        ),
        encoding="utf-8",
    )
    meta = load_document(report, LIMIT).meta
    assert (meta.title, meta.publisher, meta.date, meta.kind, meta.url) == (
        "Health diplomacy",
        "WHO",
        "2019",
        "book",
        "https://example.org/x",
    )
    assert meta.year == "2019"


def test_corpus_sidecars_are_read() -> None:
    doc = load_document(CORPUS_DIR / "who-tag-health-migration-displacement-2025.txt", LIMIT)
    assert doc.doc_id == "who-tag-health-migration-displacement-2025"
    assert doc.meta.publisher == "World Health Organization, Geneva"
    assert doc.meta.date == "2025-11-25"
    assert doc.title.startswith("WHO launches first-ever Technical Advisory Group")
    assert [(p.number, p.label, p.start, p.end) for p in doc.pages] == [(1, "1", 0, len(doc.text))]


def test_broken_sidecar_is_refused_naming_the_sidecar(tmp_path: Path) -> None:
    doc = tmp_path / "note.txt"
    doc.write_text("A note.", encoding="utf-8")
    (tmp_path / "note.txt.meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IngestError, match=r"note\.txt: bad metadata sidecar note\.txt\.meta\.json: "):
        load_document(doc, LIMIT)


def test_pdf_info_title_is_used_without_a_sidecar(tmp_path: Path) -> None:
    path = pdf_fixtures.write_titled_pdf(tmp_path / "x.pdf", "Migrant health note")
    assert load_document(path, LIMIT).meta.title == "Migrant health note"


def test_authoring_tool_leftovers_are_not_used_as_titles(tmp_path: Path) -> None:
    path = pdf_fixtures.write_titled_pdf(tmp_path / "migrant-health.pdf", "Microsoft Word - draft3.docx")
    assert load_document(path, LIMIT).meta.title == "Migrant health"


def test_html_drops_scripts_styles_and_navigation(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        """<!doctype html><html><head><title>TAG launch</title><style>p {color: red}</style>
        <script>alert("x"); document.write("evil")</script></head><body>
        <nav><a href="/">Home</a> | <a href="/news">News</a><nav>Nested</nav> menu</nav>
        <div role="navigation"><div>Breadcrumb</div> trail</div><div hidden>Cookie banner</div>
        <h1>Looking ahead</h1><p>The TAG met in
        Geneva.</p><ul><li>first item;</li><li>second item.</li></ul>
        <footer>Copyright WHO</footer></body></html>""",
        encoding="utf-8",
    )
    doc = load_document(path, LIMIT)
    assert doc.title == "TAG launch"
    assert doc.text == "Looking ahead\n\nThe TAG met in Geneva.\n\n• first item;\n• second item."
    assert chunk_document(doc)[0].heading == "Looking ahead"


def test_markdown_markup_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(
        "# Background\n\nThe **TAG** met in [Geneva](https://who.int).\n\n- one;\n- two.\n", encoding="utf-8"
    )
    doc = load_document(path, LIMIT)
    assert doc.text == "Background\n\nThe TAG met in Geneva.\n\n• one;\n• two."
    assert chunk_document(doc)[0].heading == "Background"


def test_cp1252_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    text = "Les réfugiés et migrants ont droit à la santé. Ça concerne l’Europe entière, déjà très engagée."
    path.write_bytes(text.encode("cp1252"))
    assert load_document(path, LIMIT).text == text


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Health for all.".encode("utf-16"))
    assert load_document(path, LIMIT).text == "Health for all."


def _refusal(path: Path, limit: int = LIMIT) -> str:
    with pytest.raises(IngestError) as info:
        load_document(path, limit)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    return info.value.reason


def test_unknown_extension_is_refused_listing_supported_types(tmp_path: Path) -> None:
    path = tmp_path / "data.xyz"
    path.write_text("text", encoding="utf-8")
    assert _refusal(path) == "unsupported file type .xyz; supported: .pdf .txt .md .html .htm"
    assert SUPPORTED_SUFFIXES == (".pdf", ".txt", ".md", ".html", ".htm")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert _refusal(path) == "empty file"


def test_whitespace_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text("  \n\n \t \n", encoding="utf-8")
    assert _refusal(path) == "no text after cleaning"


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, encoding="utf-8")

    def no_read(self: Path) -> bytes:
        raise AssertionError("read before the size check")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    assert _refusal(path, limit=1024) == "file is 0.00477 MB, over the limit of 0.000977 MB (max_file_mb)"


def test_zero_page_pdf_is_refused(tmp_path: Path) -> None:
    assert _refusal(pdf_fixtures.write_zero_page_pdf(tmp_path / "zero.pdf")) == "PDF has no pages"


def test_truncated_pdf_is_refused_as_corrupt(tmp_path: Path) -> None:
    data = pdf_fixtures.report_pdf_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 3])
    assert _refusal(path).startswith("corrupt or unreadable PDF (")


def test_garbage_named_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"MZ\x90\x00" + bytes(range(256)) * 4)
    assert _refusal(path) == "not a PDF (no %PDF- header): corrupt or misnamed file"


def test_pdf_header_with_garbage_body_is_refused_as_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    assert _refusal(path).startswith("corrupt or unreadable PDF")


def test_encrypted_pdf_with_empty_password_is_read(tmp_path: Path) -> None:
    path = pdf_fixtures.write_encrypted_pdf(tmp_path / "open.pdf", user_password="")
    from pypdf import PdfReader

    assert PdfReader(path).is_encrypted
    assert load_document(path, LIMIT).text == "Encrypted but readable text."


def test_encrypted_pdf_with_a_password_is_refused(tmp_path: Path) -> None:
    path = pdf_fixtures.write_encrypted_pdf(tmp_path / "locked.pdf", user_password="secret")
    assert _refusal(path) == "encrypted PDF (password required)"


def test_image_only_pdf_is_refused_as_needing_ocr(tmp_path: Path) -> None:
    path = pdf_fixtures.write_image_only_pdf(tmp_path / "scan.pdf")
    assert "needs OCR" in _refusal(path)


def test_binary_file_with_a_text_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "program.txt"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    assert _refusal(path) == "binary file (contains NUL bytes), not text"


def test_mostly_non_printable_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17]) * 100)
    assert _refusal(path) == "binary file (mostly non-printable characters), not text"


def test_undecodable_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "random.txt"
    path.write_bytes(bytes((i * 131 + 7) % 128 + 128 for i in range(4000)))
    assert _refusal(path) == "not UTF-8 and the text encoding could not be detected confidently"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert _refusal(tmp_path / "missing.txt").startswith("cannot read file")

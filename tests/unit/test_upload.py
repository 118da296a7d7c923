"""Upload checks: names that cannot escape the corpus folder, and content that matches its extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import upload
from ingest.errors import IngestError, MhqaError
from ingest.upload import detect_format, safe_upload_name, save_upload
from tests import pdf_fixtures


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Health diplomacy (2019).pdf", "Health-diplomacy-2019.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/abs/path/report.PDF", "report.pdf"),
        ("C:\\Users\\me\\notes.md", "notes.md"),
        ("..\\..\\evil.html", "evil.html"),
        ("con.txt", "con-file.txt"),
        ("LPT1.md", "LPT1-file.md"),
        ("bad\x07name\x1b.txt", "badname.txt"),
        ("...hidden.txt", "hidden.txt"),
        ("réfugiés santé.txt", "réfugiés-santé.txt"),
        ("a..b.txt", "a.b.txt"),
        ("README.md", "README-document.md"),
    ],
)
def test_safe_upload_name_keeps_a_readable_basename(name: str, expected: str) -> None:
    assert safe_upload_name(name) == expected


@pytest.mark.parametrize("name", ["..", "../.txt", "....pdf", "/", "", "???.txt"])
def test_hopeless_names_are_refused(name: str) -> None:
    with pytest.raises(IngestError):
        safe_upload_name(name)


def test_nul_byte_in_a_name_is_refused() -> None:
    with pytest.raises(IngestError, match="NUL"):
        safe_upload_name("report.pdf\x00.exe")


def test_unsupported_extension_is_refused() -> None:
    with pytest.raises(IngestError, match=r"unsupported file type \.exe; supported: \.pdf \.txt \.md \.html \.htm"):
        safe_upload_name("setup.exe")


def test_very_long_names_are_shortened() -> None:
    name = safe_upload_name("x" * 500 + ".txt")
    assert name.endswith(".txt") and len(name) <= 130


def test_detect_format_accepts_matching_content() -> None:
    assert detect_format(pdf_fixtures.report_pdf_bytes(), ".pdf") == "pdf"
    assert detect_format("Santé pour tous.".encode(), ".txt") == "txt"
    assert detect_format(b"# Title\n\nText.", "md") == "md"
    assert detect_format(b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", ".html") == "html"
    assert detect_format(b"  <!-- saved page -->\n<html><p>Hi</p></html>", ".HTM") == "html"


@pytest.mark.parametrize(
    ("data", "suffix", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), ".pdf", "not a PDF"),
        (b"%PDF-1.7\n...", ".txt", "content is a PDF"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(64), ".md", "binary file"),
        (b"Just text, no markup.", ".html", "not HTML"),
        (b"", ".txt", "empty file"),
        (b"data", ".exe", "unsupported file type .exe"),
    ],
)
def test_detect_format_refuses_mismatched_content(data: bytes, suffix: str, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        detect_format(data, suffix)


def save(corpus: Path, name: str, data: bytes = b"text", replace: bool = False, max_bytes: int = 100) -> Path:
    return save_upload(data, name, corpus, replace=replace, max_bytes=max_bytes).path


def test_upload_is_written_into_the_corpus_without_leftovers(corpus: Path) -> None:
    path = save(corpus, "note.txt", b"hello")
    assert path == corpus.resolve() / "note.txt" and path.read_bytes() == b"hello"
    assert sorted(p.name for p in corpus.iterdir()) == ["note.txt"]


def test_upload_never_replaces_a_file_without_confirmation(tmp_path: Path) -> None:
    save(tmp_path, "note.txt", b"first")
    with pytest.raises(MhqaError, match="replace existing file"):
        save(tmp_path, "note.txt", b"second")
    assert (tmp_path / "note.txt").read_bytes() == b"first"
    result = save_upload(b"second", "note.txt", tmp_path, replace=True, max_bytes=100)
    assert result.replaced and (tmp_path / "note.txt").read_bytes() == b"second"


def test_upload_refuses_a_second_file_for_the_same_document_id(tmp_path: Path) -> None:
    save(tmp_path, "report.txt")
    with pytest.raises(MhqaError, match="already used by report.txt"):
        save(tmp_path, "report.md", replace=True)


def test_upload_refuses_oversize_and_empty_files(corpus: Path) -> None:
    with pytest.raises(MhqaError, match="over the"):
        save(corpus, "big.txt", b"x" * 101)
    with pytest.raises(MhqaError, match="empty"):
        save(corpus, "empty.txt", b"")
    assert list(corpus.iterdir()) == []


def test_upload_stays_in_the_corpus_even_if_the_name_check_lets_a_path_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.setattr(upload, "safe_upload_name", lambda name: name)  # a name check that fails open

    with pytest.raises(MhqaError, match="not a plain file name"):
        save_upload(b"x", "../escape.txt", corpus, replace=True, max_bytes=100)
    assert not (tmp_path / "escape.txt").exists()

"""Folders in, documents and chunks out: walking, skipping bad files, and the corpus invariants."""

from __future__ import annotations

import shutil
from pathlib import Path

from ingest.pipeline import IngestResult, Skipped, find_documents, ingest_one, ingest_paths
from tests import pdf_fixtures
from tests.conftest import CORPUS_DIR

LIMIT = 10_000_000


def _corpus_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, folder)
    return folder


def test_find_documents_walks_folders_skipping_sidecars_hidden_files_and_readme(tmp_path: Path) -> None:
    folder = _corpus_copy(tmp_path)
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / ".git").mkdir()
    (folder / ".git" / "config.txt").write_text("x", encoding="utf-8")
    (folder / "README.md").write_text("# About this folder", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "note.md").write_text("A note.", encoding="utf-8")
    (folder / "data.xyz").write_text("x", encoding="utf-8")
    names = [p.relative_to(folder).as_posix() for p in find_documents([folder])]
    assert names == [
        "data.xyz",
        "sub/note.md",
        "who-europe-briefing-health-diplomacy-migration.txt",
        "who-tag-health-migration-displacement-2025.txt",
    ]


def test_find_documents_keeps_explicit_files_and_drops_duplicates(tmp_path: Path) -> None:
    folder = _corpus_copy(tmp_path)
    tag = folder / "who-tag-health-migration-displacement-2025.txt"
    found = find_documents([tag, folder, tag])
    assert found[0] == tag
    assert len(found) == 2


def test_corpus_ingests_with_every_chunk_slicing_back_to_its_document() -> None:
    result = ingest_paths([CORPUS_DIR], LIMIT)
    assert isinstance(result, IngestResult)
    assert result.skipped == ()
    assert {d.doc_id for d in result.documents} == {
        "who-europe-briefing-health-diplomacy-migration",
        "who-tag-health-migration-displacement-2025",
    }
    texts = {d.doc_id: d.text for d in result.documents}
    assert result.chunks
    for c in result.chunks:
        assert c.text == texts[c.doc_id][c.start : c.end]


def test_bad_files_are_skipped_with_reasons_and_good_ones_kept(tmp_path: Path) -> None:
    folder = _corpus_copy(tmp_path)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "data.xyz").write_text("x", encoding="utf-8")
    (folder / "fake.pdf").write_bytes(b"MZ\x90\x00 not a pdf")
    pdf_fixtures.write_encrypted_pdf(folder / "locked.pdf", user_password="secret")
    result = ingest_paths([folder, tmp_path / "missing.md"], LIMIT)
    assert len(result.documents) == 2
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert reasons == {
        "data.xyz": "unsupported file type .xyz; supported: .pdf .txt .md .html .htm",
        "empty.txt": "empty file",
        "fake.pdf": "not a PDF (no %PDF- header): corrupt or misnamed file",
        "locked.pdf": "encrypted PDF (password required)",
        "missing.md": "no such file or directory",
    }
    assert all(isinstance(s, Skipped) for s in result.skipped)


def test_two_files_with_the_same_stem_keep_the_first_and_skip_the_second(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("A note in Markdown.", encoding="utf-8")
    (tmp_path / "note.txt").write_text("A note in text.", encoding="utf-8")
    result = ingest_paths([tmp_path], LIMIT)
    assert [d.path for d in result.documents] == [str(tmp_path / "note.md")]
    assert result.skipped[0].reason.startswith("duplicate document id 'note'")


def test_ingest_one_returns_the_document_and_its_chunks() -> None:
    doc, chunks = ingest_one(CORPUS_DIR / "who-europe-briefing-health-diplomacy-migration.txt", LIMIT)
    assert doc.doc_id == "who-europe-briefing-health-diplomacy-migration"
    assert [c.doc_id for c in chunks] == [doc.doc_id] * len(chunks)
    assert chunks == sorted(chunks, key=lambda c: c.start)


def test_a_pdf_and_the_corpus_ingest_together(tmp_path: Path) -> None:
    folder = _corpus_copy(tmp_path)
    pdf_fixtures.write_simple_pdf(folder / "short-note.pdf")
    result = ingest_paths([folder], LIMIT, progress=True)
    assert "short-note" in {d.doc_id for d in result.documents}
    assert result.skipped == ()


def _fixture_files(folder: Path) -> list[Path]:
    """One file of every supported kind, including the awkward ones that are still read."""
    files = [
        pdf_fixtures.write_simple_pdf(folder / "simple.pdf"),
        pdf_fixtures.write_encrypted_pdf(folder / "open-encrypted.pdf", user_password=""),
        folder / "page.html",
        folder / "notes.md",
        folder / "legacy.txt",
    ]
    if pdf_fixtures.unicode_font() is not None:
        files.append(pdf_fixtures.write_report_pdf(folder / "report.pdf"))
    files[2].write_text("<html><body><nav>Menu</nav><h2>Findings</h2><p>One. Two.</p></body></html>", encoding="utf-8")
    files[3].write_text("## Looking ahead\n\n1. The TAG *will* report.\n2. Next steps follow.\n", encoding="utf-8")
    files[4].write_bytes("Réfugiés et migrants: santé pour tous. Déjà engagée, l’Europe agit.".encode("cp1252"))
    return files


def test_every_fixture_chunk_slices_back_to_its_document(tmp_path: Path) -> None:
    files = _fixture_files(tmp_path)
    result = ingest_paths(files, LIMIT)
    assert result.skipped == ()
    assert len(result.documents) == len(files)
    texts = {d.doc_id: d.text for d in result.documents}
    for c in result.chunks:
        assert c.text == texts[c.doc_id][c.start : c.end]

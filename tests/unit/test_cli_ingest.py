"""`mhqa ingest`: JSON and summary output, one stderr line per skipped file, exit status 3."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.cli import EXIT_OK, EXIT_SKIPPED, main
from tests.conftest import CORPUS_DIR


def test_json_lists_documents_pages_and_every_chunk_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--json", str(CORPUS_DIR)]) == EXIT_OK
    docs = json.loads(capsys.readouterr().out)
    assert [d["doc_id"] for d in docs] == [
        "who-europe-briefing-health-diplomacy-migration",
        "who-tag-health-migration-displacement-2025",
    ]
    for d in docs:
        assert set(d) >= {"doc_id", "title", "path", "sha256", "pages", "chunks"}
        assert d["pages"] == [{"number": 1, "label": "1", "start": 0, "end": len(d["text"])}]
        for c in d["chunks"]:
            assert set(c) == {
                "chunk_id", "doc_id", "title", "heading", "text", "start", "end",
                "page_start", "page_end", "page_labels", "sentences", "page_breaks", "acronyms", "section", "context",
            }  # fmt: skip
            assert c["text"] == d["text"][c["start"] : c["end"]]
            assert c["page_labels"] == ["1"]


def test_summary_names_documents_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(CORPUS_DIR)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "who-tag-health-migration-displacement-2025" in out
    assert out.strip().splitlines()[-1].startswith("2 document(s), ")
    assert out.strip().endswith("0 skipped")


def test_skipped_files_go_to_stderr_one_line_each_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(CORPUS_DIR / "who-tag-health-migration-displacement-2025.txt", tmp_path / "tag.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "table.xlsx").write_bytes(b"PK\x03\x04")
    assert main(["ingest", "--json", str(tmp_path)]) == EXIT_SKIPPED
    captured = capsys.readouterr()
    assert [d["doc_id"] for d in json.loads(captured.out)] == ["tag"]
    assert captured.err.splitlines() == [
        f"mhqa: skipped {tmp_path / 'empty.txt'}: empty file",
        f"mhqa: skipped {tmp_path / 'table.xlsx'}: unsupported file type .xlsx; supported: .pdf .txt .md .html .htm",
    ]


def test_max_file_mb_setting_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "big.txt").write_text("Health for all. " * 10_000, encoding="utf-8")
    monkeypatch.setenv("MHQA_MAX_FILE_MB", "0.01")
    assert main(["ingest", str(tmp_path)]) == EXIT_SKIPPED
    assert "big.txt: file is 0.153 MB, over the limit of 0.01 MB (max_file_mb)" in capsys.readouterr().err

"""`mhqa search` and `mhqa index` from the command line: JSON shape, batch files, errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main

pytestmark = pytest.mark.slow


def test_search_json_has_the_documented_shape(built_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--index-dir", str(built_index), "search", "advisory group experts", "-k", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["query"] == "advisory group experts" and len(out["hits"]) == 2
    hit = out["hits"][0]
    keys = {"chunk_id", "doc_id", "title", "pages", "page_labels", "score", "text", "best_sentence"}
    assert set(hit) == keys
    start, end = hit["best_sentence"]["start"], hit["best_sentence"]["end"]
    assert 0 <= start < end <= len(hit["text"]) and hit["pages"] == [1] and hit["page_labels"] == ["1"]


def test_search_batch_prints_one_object_per_query_with_its_id(
    built_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "a", "q": "health diplomacy"}\n\n{"id": 2, "q": "displaced populations"}\n')
    assert main(["--index-dir", str(built_index), "search", "--batch", str(batch), "-k", "1"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["id"], line["query"], len(line["hits"])) for line in lines] == [
        ("a", "health diplomacy", 1),
        (2, "displaced populations", 1),
    ]


def test_search_batch_with_a_bad_line_names_the_line(
    built_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "a", "q": "health diplomacy"}\n{"id": "b", "question": "oops"}\n')
    assert main(["--index-dir", str(built_index), "search", "--batch", str(batch)]) == 1
    captured = capsys.readouterr()
    assert f"{batch}:2:" in captured.err and captured.out == ""


def test_human_output_marks_the_best_sentence(built_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--index-dir", str(built_index), "search", "health diplomacy", "-k", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. ") and "(p. 1)" in out and "»" in out and "«" in out


def test_search_without_an_index_says_to_run_mhqa_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--index-dir", str(tmp_path / "none"), "search", "anything"]) == 1
    err = capsys.readouterr().err
    assert "no index at" in err and "run `mhqa index`" in err and "Traceback" not in err


def test_index_exits_3_and_names_the_skipped_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Refugees need access to primary health care.", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    code = main(["--index-dir", str(tmp_path / "index"), "index", "--corpus", str(corpus), "--json"])
    captured = capsys.readouterr()
    assert code == 3
    assert "skipped" in captured.err and "empty.txt" in captured.err
    summary = json.loads(captured.out)
    assert summary["added"] == ["good"] and summary["chunks_embedded"] == 1


def test_index_of_a_missing_corpus_folder_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--index-dir", str(tmp_path / "index"), "index", "--corpus", str(tmp_path / "nope")]) == 1
    assert "corpus folder not found" in capsys.readouterr().err


def test_index_says_why_it_rebuilds_and_prints_the_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Refugees need access to primary health care.", encoding="utf-8")
    index_args = ["--index-dir", str(tmp_path / "index"), "index", "--corpus", str(corpus)]
    assert main(index_args) == 0
    out = capsys.readouterr().out
    assert "1 added, 0 changed, 0 removed, 0 unchanged documents; 1 pages, 1 chunks (1 embedded)" in out
    assert main([*index_args, "--rebuild"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("full rebuild: --rebuild was requested") and "0 added" in out and "(1 embedded)" in out


def test_search_and_ask_export_csljson_and_ris_records_per_passage(
    built_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["--index-dir", str(built_index), "search", "advisory group experts", "-k", "2", "--format", "csljson"])
        == 0
    )
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 2 and all(item["page"] == "1" and item["note"] and item["title"] for item in items)
    assert (
        main(["--index-dir", str(built_index), "ask", "Who chairs the Technical Advisory Group?", "--format", "ris"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("TY  - ") and out.count("ER  -") >= 1 and "SP  - 1" in out and "N1  - " in out
